// IncidentServiceHandler: alertgate.v1.IncidentService over the core. Each
// method converts the request, calls the core, converts the answer.
//
// Thread safety: gRPC calls the methods concurrently; the core is
// thread-safe. The handler must outlive the grpc::Server it is registered on.
#ifndef ALERTGATE_SERVER_GRPC_INCIDENT_SERVICE_HANDLER_H_
#define ALERTGATE_SERVER_GRPC_INCIDENT_SERVICE_HANDLER_H_

#include "absl/time/time.h"
#include "alertgate/v1/incident_service.grpc.pb.h"
#include "server/core/access_control.h"
#include "server/core/incident_core.h"
#include "server/grpc/watch_streams.h"
#include "server/store/incident_store.h"

namespace alertgate {

// IngestAlert and IngestAlerts use gRPC's callback API: the call is answered by
// the store's writer right after the commit, instead of a server thread
// sleeping through the group commit and being woken to answer. WatchIncidents
// does too, so a watch holds no thread (WatchStreams). The other methods are
// synchronous.
class IncidentServiceHandler final
    : public v1::IncidentService::WithCallbackMethod_IngestAlert<
          v1::IncidentService::WithCallbackMethod_IngestAlerts<
              v1::IncidentService::WithCallbackMethod_WatchIncidents<
                  v1::IncidentService::Service>>> {
 public:
  // REQUIRES: the pointers outlive the handler.
  IncidentServiceHandler(IncidentCore* core, IncidentStore* store,
                         AccessControl* access, int max_watchers)
      : core_(core),
        store_(store),
        access_(access),
        watches_(store, max_watchers) {}

  // Ends running WatchIncidents streams with UNAVAILABLE, so clients know
  // to resume (elsewhere or later), and waits up to `timeout` for them to
  // return. Called before the server shuts down.
  void StopWatches(absl::Duration timeout) { watches_.Stop(timeout); }
  // After the server has shut down, before the store closes.
  void JoinWatches() { watches_.Join(); }

  grpc::ServerUnaryReactor* IngestAlert(
      grpc::CallbackServerContext* context,
      const v1::IngestAlertRequest* request,
      v1::IngestAlertResponse* response) override;
  grpc::ServerUnaryReactor* IngestAlerts(
      grpc::CallbackServerContext* context,
      const v1::IngestAlertsRequest* request,
      v1::IngestAlertsResponse* response) override;
  grpc::Status GetIncident(grpc::ServerContext* context,
                           const v1::GetIncidentRequest* request,
                           v1::GetIncidentResponse* response) override;
  grpc::Status ListIncidents(grpc::ServerContext* context,
                             const v1::ListIncidentsRequest* request,
                             v1::ListIncidentsResponse* response) override;
  grpc::Status AcknowledgeIncident(
      grpc::ServerContext* context,
      const v1::AcknowledgeIncidentRequest* request,
      v1::AcknowledgeIncidentResponse* response) override;
  grpc::Status ResolveIncident(grpc::ServerContext* context,
                               const v1::ResolveIncidentRequest* request,
                               v1::ResolveIncidentResponse* response) override;
  grpc::ServerWriteReactor<v1::WatchIncidentsResponse>* WatchIncidents(
      grpc::CallbackServerContext* context,
      const v1::WatchIncidentsRequest* request) override;

 private:
  IncidentCore* core_;
  IncidentStore* store_;
  AccessControl* access_;
  WatchStreams watches_;
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_GRPC_INCIDENT_SERVICE_HANDLER_H_
