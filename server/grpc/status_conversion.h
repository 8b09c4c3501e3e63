// The one place where the core's absl::Status becomes a grpc::Status.
#ifndef ALERTGATE_SERVER_GRPC_STATUS_CONVERSION_H_
#define ALERTGATE_SERVER_GRPC_STATUS_CONVERSION_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace alertgate {

// Same code, same message. absl and gRPC number their codes identically.
grpc::Status ToGrpcStatus(const absl::Status& status);

// The reverse, for clients of the API.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_GRPC_STATUS_CONVERSION_H_
