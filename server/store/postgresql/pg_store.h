// PostgresStore: an IncidentStore on PostgreSQL, for several cores sharing
// one database (--store=postgresql://user@host:port/db?...).
//
// Writes: each core groups concurrent writes into one transaction
// (GroupCommitQueue), each callback in its own savepoint, and answers them
// after COMMIT (synchronous_commit on: durable). Every writing transaction
// first locks the one row of log_sequence, so the writers of all cores run
// one transaction at a time: reads inside a write see everything committed
// before (the open incident of a dedup key, an idempotency key used on
// another core), and event sequence numbers are handed out and committed in
// order. A reader that sees sequence N committed therefore has every
// sequence below N: watching stays gap-free across cores.
//
// Reads use a small pool of connections. LastCommittedSequence() follows
// this core's commits at once and other cores' by polling log_sequence.
//
// Thread safety: all methods are safe to call concurrently.
#ifndef ALERTGATE_SERVER_STORE_POSTGRESQL_PG_STORE_H_
#define ALERTGATE_SERVER_STORE_POSTGRESQL_PG_STORE_H_

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "server/store/connection_pool.h"
#include "server/store/group_commit.h"
#include "server/store/incident_store.h"
#include "server/store/postgresql/pg_connection.h"
#include "server/store/sequence_notifier.h"

namespace alertgate {

class PostgresStore final : public IncidentStore {
 public:
  static constexpr int kMaxBatch = 256;
  static constexpr int kReaderCount = 4;

  // Connects, migrates the schema (once, whichever core comes first), and
  // starts the writer. UNAVAILABLE when the server cannot be reached.
  static absl::StatusOr<std::unique_ptr<PostgresStore>> Open(
      const std::string& conninfo);
  ~PostgresStore() override;

  absl::Status Write(WriteWork work) override;
  void WriteAsync(WriteWork work, WriteDone done) override;

  absl::StatusOr<std::optional<Incident>> GetIncident(
      const std::string& id) override;
  absl::StatusOr<std::vector<Incident>> ListIncidents(
      const IncidentFilter& filter, const std::string& before_id,
      int limit) override;
  absl::StatusOr<std::vector<IncidentEvent>> ReadEvents(
      const EventQuery& query) override;
  int64_t LastCommittedSequence() override;
  absl::StatusOr<int64_t> PrunedThroughSequence() override;
  bool WaitForEventsAfter(int64_t sequence, absl::Duration timeout) override;

  absl::StatusOr<std::optional<Service>> GetService(
      const std::string& id) override;
  absl::StatusOr<std::optional<Service>> GetServiceByName(
      const std::string& name) override;
  absl::StatusOr<std::vector<Service>> ListServices(
      const std::string& after_name, int limit) override;
  absl::StatusOr<std::optional<ServiceRules>> GetServiceRules(
      const std::string& service_id) override;
  absl::StatusOr<std::vector<ServiceRules>> ListAutoResolveRules() override;
  absl::StatusOr<std::vector<OutboundQueue>> ListDueOutboundQueues(
      absl::Time now, int limit) override;
  absl::StatusOr<std::vector<OutboundMessage>> ListOutboundMessages(
      const std::string& service_id, std::optional<OutboundState> state,
      const std::string& before_id, int limit) override;
  absl::StatusOr<std::vector<Incident>> ListQuietIncidents(
      const std::string& service_id, const std::string& source,
      const std::string& dedup_key_prefix, absl::Time before,
      int limit) override;

  absl::StatusOr<std::optional<WebhookCredential>>
  FindWebhookCredentialByKeyHash(const std::string& source,
                                 const std::string& key_hash) override;
  absl::StatusOr<std::vector<WebhookCredential>> ListWebhookCredentials(
      const std::string& service_id) override;
  absl::StatusOr<std::vector<OpenIncidentCount>> CountOpenIncidents() override;
  absl::StatusOr<std::vector<SourceActivity>> ListSourceActivity(
      const std::string& service_id) override;

  absl::StatusOr<std::optional<ApiToken>> FindApiTokenByHash(
      const std::string& token_hash) override;
  absl::StatusOr<std::vector<ApiToken>> ListApiTokens() override;
  absl::StatusOr<std::vector<AuditEntry>> ListAuditEntries(int64_t before_id,
                                                           int limit) override;
  absl::StatusOr<std::vector<Delivery>> ListDeliveries(
      const std::string& service_id, const std::string& source,
      const std::string& before_id, int limit) override;
  absl::StatusOr<std::optional<Delivery>> GetDelivery(
      const std::string& id) override;
  // A session-level advisory lock, keyed by `name`, on a reader connection
  // held for the job's length.
  absl::StatusOr<bool> RunExclusive(
      const std::string& name,
      const std::function<absl::Status()>& job) override;

 private:
  class ReadLease;

  PostgresStore(std::string conninfo, std::unique_ptr<PgConnection> writer,
                std::vector<std::unique_ptr<PgConnection>> readers,
                std::unique_ptr<PgConnection> poller, int64_t last_sequence);
  std::vector<absl::Status> CommitBatch(
      const std::vector<const WriteWork*>& batch);
  // One attempt at a batch's transaction (see CommitBatch). `retry` is set
  // when an optimistic attempt was given up and rolled back.
  std::vector<absl::Status> TryBatch(const std::vector<const WriteWork*>& batch,
                                     bool careful, bool& retry);
  // Follows other cores' commits until the store closes.
  void PollSequence();

  const std::string conninfo_;
  std::unique_ptr<PgConnection> writer_;
  SequenceNotifier notifier_;
  std::unique_ptr<PgConnection> poller_connection_;

  ConnectionPool<PgConnection> readers_;

  std::thread poller_;
  // Last: its writer starts after everything above exists.
  std::unique_ptr<GroupCommitQueue> writes_;
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_STORE_POSTGRESQL_PG_STORE_H_
