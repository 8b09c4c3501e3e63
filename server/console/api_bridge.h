// ApiBridge: the console's JSON endpoints, one per gRPC method the pages
// use. A request body is the method's request message in the protobuf JSON
// mapping (proto field names), the answer its response message the same
// way, so the pages and the API share every field name. Each call goes
// through the C++ client library with the signed-in person's token: the
// core applies the same role rules as to any other caller, and there is no
// other path to the store.
//
// Thread safety: Call() may be called concurrently.
#ifndef ALERTGATE_SERVER_CONSOLE_API_BRIDGE_H_
#define ALERTGATE_SERVER_CONSOLE_API_BRIDGE_H_

#include <functional>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "alertgate/alertgate_client.h"
#include "google/protobuf/message.h"

namespace alertgate::console {

struct JsonAnswer {
  int http_status = 200;
  std::string body;  // JSON.
};

// A protobuf message in the JSON mapping, with proto field names and
// fields at their defaults printed too.
std::string MessageToJson(const google::protobuf::Message& message);
// {"error": {"code": "PERMISSION_DENIED", "message": "..."}} with the HTTP
// status of the code (403 here).
JsonAnswer ErrorAnswer(const absl::Status& status);

class ApiBridge {
 public:
  ApiBridge();

  // Calls `method` (e.g. "ListIncidents") with the request in `json`.
  // 404 for a method the console does not offer; 400 for a body that is
  // not the method's request.
  JsonAnswer Call(const std::string& method, client::AlertgateClient& api,
                  const std::string& json) const;

 private:
  using Method = std::function<absl::StatusOr<std::string>(
      client::AlertgateClient&, const std::string&)>;
  std::map<std::string, Method> methods_;
};

}  // namespace alertgate::console

#endif  // ALERTGATE_SERVER_CONSOLE_API_BRIDGE_H_
