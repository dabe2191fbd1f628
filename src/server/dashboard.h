#pragma once
// The dashboard: a small web app and its JSON API over the store.
//   GET  /                                  the page (one self-contained app)
//   GET  /api/appearances?target=&verdict=&video=&limit=&offset=
//   GET  /api/appearances/{id}
//   POST /api/appearances/{id}/verdict      {"verdict": "confirmed"|"dismissed"|"unreviewed"}
//                                           ("unreviewed" takes a verdict back)
//   GET  /api/videos/{id}                   the video and all its appearances
//   GET  /api/targets
//   GET  /api/sources
//   GET  /evidence/{appearance id}/frame|crop   the evidence image the store names
// With a token, every request needs "Authorization: Bearer TOKEN"; the page
// alone also accepts ?token=TOKEN once (a browser cannot add a header to the
// address bar), keeps it in sessionStorage and sends the header from then on.
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "store/store.h"

namespace tw::server {

struct ListenAddress {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port
};

// "HOST:PORT" or "[V6]:PORT"; throws InputError naming the text otherwise.
ListenAddress parse_listen(const std::string& text);
// 127.0.0.0/8, ::1 and "localhost": reachable only from this machine.
bool is_loopback(const std::string& host);

struct ServerOptions {
  ListenAddress listen;
  std::string token;  // empty: no auth (only allowed on loopback)
  // Evidence files are served only when the store names them for an
  // appearance AND they resolve (symlinks followed) inside this folder.
  std::filesystem::path evidence_root;
};

class DashboardServer {
 public:
  // Throws InputError when listening beyond loopback without a token.
  // The store must outlive the server (it is shared by its threads).
  DashboardServer(store::Store& store, ServerOptions options);
  ~DashboardServer();
  DashboardServer(const DashboardServer&) = delete;
  DashboardServer& operator=(const DashboardServer&) = delete;

  // Binds the socket; returns the port (useful with port 0).  Throws
  // InputError when the address cannot be bound.
  int bind();
  // Serves until stop() (from another thread); returns false on a socket error.
  bool serve();
  void stop();
  // http://HOST:PORT/ once bound.
  std::string url() const;

  // Answers one request given as the bytes a client sends, through the same
  // parsing, checks and routes as a connection from 127.0.0.1, without a
  // socket (the fuzz target drives the whole request path with it).
  // Returns the response's bytes.
  std::string respond(std::string_view request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tw::server
