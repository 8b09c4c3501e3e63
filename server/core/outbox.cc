#include "server/core/outbox.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/core/id_generator.h"
#include "server/model/errors.h"
#include "server/model/status_macros.h"
#include "server/model/validation.h"

namespace alertgate {

Outbox::Outbox(IncidentStore* store, const Clock* clock)
    : store_(store), clock_(clock) {}

absl::StatusOr<OutboundPage> Outbox::List(const std::string& service_id,
                                          std::optional<OutboundState> state,
                                          int page_size,
                                          const std::string& page_token) {
  if (service_id.empty()) return errors::InvalidField("service_id", "required");
  if (page_size < 0) {
    return errors::InvalidField("page_size", "must not be negative");
  }
  if (!page_token.empty() && !IsWellFormedId(page_token)) {
    return errors::InvalidField("page_token", "not a token this API issued");
  }
  AG_ASSIGN_OR_RETURN(std::optional<Service> service,
                      store_->GetService(service_id));
  if (!service) return errors::ServiceNotFound(service_id);
  if (page_size == 0) page_size = kDefaultPageSize;
  page_size = std::min(page_size, kMaxPageSize);
  AG_ASSIGN_OR_RETURN(std::vector<OutboundMessage> messages,
                      store_->ListOutboundMessages(service_id, state,
                                                   page_token, page_size + 1));
  OutboundPage page;
  if (static_cast<int>(messages.size()) > page_size) {
    messages.resize(page_size);
    page.next_page_token = messages.back().id;
  }
  page.messages = std::move(messages);
  return page;
}

absl::StatusOr<OutboundMessage> Outbox::Redeliver(const std::string& id,
                                                  const std::string& actor) {
  if (id.empty()) return errors::InvalidField("id", "required");
  AG_RETURN_IF_ERROR(ValidateActor(actor));
  const absl::Time now = clock_->Now();
  OutboundMessage redelivered;
  AG_RETURN_IF_ERROR(store_->Write([&](StoreTransaction& tx) -> absl::Status {
    AG_ASSIGN_OR_RETURN(std::optional<OutboundMessage> message,
                        tx.FindOutboundMessage(id));
    if (!message) {
      return absl::NotFoundError(
          absl::StrCat("no webhook message has the id \"", id, "\""));
    }
    if (message->state == OutboundState::kPending) {
      return absl::FailedPreconditionError(
          "the message is pending: it is sent at its next attempt anyway");
    }
    const std::string was(OutboundStateName(message->state));
    message->state = OutboundState::kPending;
    message->next_attempt_at = now;
    message->leased_until.reset();
    message->finished_at.reset();
    AG_RETURN_IF_ERROR(tx.UpdateOutboundMessage(*message));
    AG_ASSIGN_OR_RETURN(std::optional<Service> service,
                        tx.FindService(message->service_id));
    AG_RETURN_IF_ERROR(
        tx.AppendAudit({0, now, actor, "webhook.redeliver",
                        service ? service->name : message->service_id,
                        absl::StrCat("message ", id, " (", was, ") to ",
                                     message->subscription)})
            .status());
    redelivered = *std::move(message);
    return absl::OkStatus();
  }));
  return redelivered;
}

}  // namespace alertgate
