// RulesHandler: alertgate.v1.RulesService over the core's RuleBook. Each
// method checks the caller's role, converts, calls the book, converts back.
//
// Thread safety: as for IncidentServiceHandler.
#ifndef ALERTGATE_SERVER_GRPC_RULES_HANDLER_H_
#define ALERTGATE_SERVER_GRPC_RULES_HANDLER_H_

#include "alertgate/v1/rules.grpc.pb.h"
#include "server/core/access_control.h"
#include "server/core/outbox.h"
#include "server/core/rule_book.h"

namespace alertgate {

class RulesHandler final : public v1::RulesService::Service {
 public:
  // REQUIRES: the pointers outlive the handler.
  RulesHandler(RuleBook* rules, Outbox* outbox, AccessControl* access)
      : rules_(rules), outbox_(outbox), access_(access) {}

  grpc::Status GetRules(grpc::ServerContext* context,
                        const v1::GetRulesRequest* request,
                        v1::ServiceRules* response) override;
  grpc::Status SetRules(grpc::ServerContext* context,
                        const v1::SetRulesRequest* request,
                        v1::ServiceRules* response) override;
  grpc::Status TestRules(grpc::ServerContext* context,
                         const v1::TestRulesRequest* request,
                         v1::TestRulesResponse* response) override;
  grpc::Status SetMaintenanceWindows(
      grpc::ServerContext* context,
      const v1::SetMaintenanceWindowsRequest* request,
      v1::ServiceRules* response) override;
  grpc::Status SetAutoResolve(grpc::ServerContext* context,
                              const v1::SetAutoResolveRequest* request,
                              v1::ServiceRules* response) override;
  grpc::Status PutWebhook(grpc::ServerContext* context,
                          const v1::PutWebhookRequest* request,
                          v1::ServiceRules* response) override;
  grpc::Status RemoveWebhook(grpc::ServerContext* context,
                             const v1::RemoveWebhookRequest* request,
                             v1::ServiceRules* response) override;
  grpc::Status ListWebhookMessages(
      grpc::ServerContext* context,
      const v1::ListWebhookMessagesRequest* request,
      v1::ListWebhookMessagesResponse* response) override;
  grpc::Status RedeliverWebhookMessage(
      grpc::ServerContext* context,
      const v1::RedeliverWebhookMessageRequest* request,
      v1::WebhookMessage* response) override;

 private:
  RuleBook* rules_;
  Outbox* outbox_;
  AccessControl* access_;
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_GRPC_RULES_HANDLER_H_
