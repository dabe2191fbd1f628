#!/usr/bin/python3
"""Prints the messages of a Maildir (written by aiosmtpd's Mailbox handler)
as JSON, decoded by Python's email package, for the e-mail sink test."""
import hashlib
import json
import mailbox
import sys
from email import policy
from email.parser import BytesParser

messages = []
box = mailbox.Maildir(sys.argv[1], factory=None, create=False)
for key in sorted(box.keys()):
    with box.get_file(key) as raw:
        message = BytesParser(policy=policy.default).parse(raw)
    text, attachments = "", []
    for part in message.walk():
        if part.is_multipart():
            continue
        if part.get_content_type() == "text/plain" and not part.get_filename():
            text += part.get_content()
        else:
            data = part.get_payload(decode=True)
            attachments.append({"content_type": part.get_content_type(),
                                "filename": part.get_filename(),
                                "sha256": hashlib.sha256(data).hexdigest(),
                                "size": len(data)})
    messages.append({"subject": str(message["subject"]), "from": str(message["from"]),
                     "to": str(message["to"]), "message_id": str(message["message-id"]),
                     "text": text, "attachments": attachments})
json.dump(messages, sys.stdout)
