// ConnectionPool: a fixed set of connections (the read connections of a
// store), lent one at a time; Lease waits while all are lent.
//
// Thread safety: Lease may be taken from any thread.
#ifndef ALERTGATE_SERVER_STORE_CONNECTION_POOL_H_
#define ALERTGATE_SERVER_STORE_CONNECTION_POOL_H_

#include <memory>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace alertgate {

template <typename Connection>
class ConnectionPool {
 public:
  explicit ConnectionPool(std::vector<std::unique_ptr<Connection>> connections)
      : all_(std::move(connections)) {
    for (auto& connection : all_) free_.push_back(connection.get());
  }

  // Borrows a connection for the lifetime of the lease.
  class Lease {
   public:
    explicit Lease(ConnectionPool& pool) : pool_(pool), db_(pool.Take()) {}
    ~Lease() { pool_.Give(db_); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Connection& db() { return *db_; }

   private:
    ConnectionPool& pool_;
    Connection* db_;
  };

 private:
  Connection* Take() {
    absl::MutexLock lock(&mu_);
    auto available = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !free_.empty();
    };
    mu_.Await(absl::Condition(&available));
    Connection* connection = free_.back();
    free_.pop_back();
    return connection;
  }
  void Give(Connection* connection) {
    absl::MutexLock lock(&mu_);
    free_.push_back(connection);
  }

  std::vector<std::unique_ptr<Connection>> all_;
  absl::Mutex mu_;
  std::vector<Connection*> free_ ABSL_GUARDED_BY(mu_);
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_STORE_CONNECTION_POOL_H_
