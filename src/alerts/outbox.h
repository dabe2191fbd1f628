#pragma once
// The outbox: alerts are rows in the store (one pending delivery per
// appearance and sink, written in the same transaction as the scan), and
// deliver_due() sends the ones whose time has come.  See docs/alerts.md for
// the guarantee: at least once per sink, and in practice once, because a
// delivery is marked right after its send; only a crash between the two
// resends, with the same id for the receiver to drop.
#include <memory>
#include <string>
#include <vector>

#include "alerts/sink.h"
#include "store/store.h"

namespace tw::alerts {

struct DeliveryReport {
  int delivered = 0;
  int failed = 0;    // will be retried
  int given_up = 0;  // failed for good (max attempts)
  int skipped = 0;   // not tried this round: its sink already failed in it
};

class Outbox {
 public:
  // The store must outlive the outbox.
  Outbox(store::Store& store, std::vector<std::unique_ptr<Sink>> sinks);

  // The names to pass in store::FinishedScan::sinks.
  std::vector<std::string> sink_names() const;

  // Sends up to `limit` due deliveries, each through its sink, and records the
  // outcome.  A sink that fails is not tried again in the same round (a
  // receiver that is down costs one timeout, not one per alert); its other
  // alerts stay due for the next round.
  DeliveryReport deliver_due(int limit = 100);

 private:
  store::Store& store_;
  std::vector<std::unique_ptr<Sink>> sinks_;
};

}  // namespace tw::alerts
