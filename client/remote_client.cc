#include "client/remote_client.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/channel_credentials.h"
#include "common/graph_key.h"
#include "common/status_macros.h"
#include "grpcpp/grpcpp.h"

namespace aotd::client {

Client::Client(Options options) : options_(std::move(options)) {
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials = ChannelCredentials(
      {options_.tls_ca_file, options_.tls_cert_file, options_.tls_key_file});
  if (!credentials.ok()) {
    channel_status_ = credentials.status();
    return;
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(256 << 20);
  args.SetMaxSendMessageSize(256 << 20);
  stub_ = proto::Compiler::NewStub(
      grpc::CreateCustomChannel(options_.address, *std::move(credentials), args));
}

grpc::Status Client::WithRetries(
    const std::function<grpc::Status(grpc::ClientContext&)>& call) const {
  absl::Duration backoff = options_.initial_backoff;
  grpc::Status status;
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + options_.deadline));
    status = call(context);
    bool transient = status.error_code() == grpc::StatusCode::UNAVAILABLE ||
                     status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED;
    if (status.ok() || !transient || attempt == options_.max_attempts) break;
    absl::SleepFor(backoff);
    backoff *= 2;
  }
  return status;
}

absl::Status Client::Describe(const grpc::Status& status) const {
  absl::StatusCode code = static_cast<absl::StatusCode>(status.error_code());
  if (code == absl::StatusCode::kUnavailable) {
    return absl::UnavailableError(absl::StrCat("aotd server at ", options_.address,
                                               " is unreachable: ", status.error_message()));
  }
  return absl::Status(code, status.error_message());
}

absl::StatusOr<Client::Compiled> Client::Compile(const proto::Graph& graph,
                                                 const proto::CompileOptions& options) {
  RETURN_IF_ERROR(channel_status_);
  ASSIGN_OR_RETURN(Sha256Digest digest, GraphKey(graph));
  const std::string graph_key = ToHex(digest);
  const std::string identity = absl::StrCat(graph_key, "|", options.SerializeAsString());
  {
    absl::MutexLock lock(&mu_);
    auto it = loaded_.find(identity);
    if (it != loaded_.end()) return Compiled{it->second, true, false};
  }

  Compiled compiled;
  proto::LookupRequest lookup;
  lookup.set_graph_key(graph_key);
  *lookup.mutable_options() = options;
  lookup.set_target(options_.target);
  lookup.set_namespace_(options_.cache_namespace);
  proto::LookupResponse found;
  grpc::Status status = WithRetries([&](grpc::ClientContext& context) {
    return stub_->Lookup(&context, lookup, &found);
  });
  if (!status.ok()) return Describe(status);

  proto::Artifact artifact;
  if (found.found()) {
    artifact = std::move(*found.mutable_artifact());
    compiled.cache_hit = true;
  } else {
    proto::CompileRequest request;
    *request.mutable_graph() = graph;
    *request.mutable_options() = options;
    request.set_target(options_.target);
    request.set_namespace_(options_.cache_namespace);
    proto::CompileResponse response;
    status = WithRetries([&](grpc::ClientContext& context) {
      return stub_->Compile(&context, request, &response);
    });
    if (!status.ok()) return Describe(status);
    artifact = std::move(*response.mutable_artifact());
    compiled.cache_hit = response.cache_hit();
    compiled.uploaded_graph = true;
  }
  ASSIGN_OR_RETURN(compiled.artifact, LoadedArtifact::Load(artifact, options_.verifier));
  absl::MutexLock lock(&mu_);
  loaded_.emplace(identity, compiled.artifact);
  return compiled;
}

}  // namespace aotd::client
