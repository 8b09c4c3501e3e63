// ApiChannel: a gRPC channel to alertgate that sends an API token with every
// call, as the client library does, so that tests written against the raw
// stubs need no per-call code. A client interceptor adds the metadata, so
// it works over plaintext (loopback) and TLS alike.
#ifndef ALERTGATE_TESTS_API_CHANNEL_H_
#define ALERTGATE_TESTS_API_CHANNEL_H_

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/client_interceptor.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

namespace alertgate::testing {

class BearerTokenInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit BearerTokenInterceptor(const std::string& token) : token_(token) {}
  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::
                PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->insert(
          {"authorization", "Bearer " + token_});
    }
    methods->Proceed();
  }

 private:
  std::string token_;
};

class BearerTokenFactory final
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit BearerTokenFactory(std::string token) : token_(std::move(token)) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo*) override {
    return new BearerTokenInterceptor(token_);
  }

 private:
  std::string token_;
};

// A channel of its own (no connection shared with other channels) that
// sends `token`; empty sends none.
inline std::shared_ptr<grpc::Channel> ApiChannel(
    const std::string& address, const std::string& token,
    std::shared_ptr<grpc::ChannelCredentials> credentials =
        grpc::InsecureChannelCredentials()) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  std::vector<
      std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
      interceptors;
  if (!token.empty()) {
    interceptors.push_back(std::make_unique<BearerTokenFactory>(token));
  }
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      address, credentials, args, std::move(interceptors));
}

// The admin token alertgate wrote at first start into `data_dir`.
inline std::string AdminToken(const std::string& data_dir) {
  std::ifstream in(data_dir + "/admin-token");
  std::string token;
  in >> token;
  return token;
}

}  // namespace alertgate::testing

#endif  // ALERTGATE_TESTS_API_CHANNEL_H_
