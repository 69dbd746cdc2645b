#include "server/rpc_observer.h"

#include <cstdio>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"

namespace aotd::server {
namespace {

constexpr size_t kKeyPrefixDigits = 16;
// A failed RPC's message is logged up to this many bytes.
constexpr size_t kMaxLoggedMessage = 300;

std::string CodeName(grpc::StatusCode code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

}  // namespace

absl::StatusOr<LogFormat> ParseLogFormat(absl::string_view text) {
  if (text == "none") return LogFormat::kNone;
  if (text == "text") return LogFormat::kText;
  if (text == "json") return LogFormat::kJson;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown log format '", text, "': use json, text or none"));
}

// One per RPC, created when it arrives; reports at its status.
class RpcObserver::Interceptor final : public grpc::experimental::Interceptor {
 public:
  Interceptor(RpcObserver* observer, grpc::experimental::ServerRpcInfo* info)
      : observer_(observer), info_(info), call_(info->server_context()), start_(absl::Now()) {}

  ~Interceptor() override {
    if (!finished_) observer_->Forget(call_);
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    // gRPC parses a unary or server-streaming request before the handler
    // runs; no message here means it did not parse.
    // (A client stream's end looks the same, so those are left alone.)
    const bool parsed_before_handler =
        info_->type() == grpc::experimental::ServerRpcInfo::Type::UNARY ||
        info_->type() == grpc::experimental::ServerRpcInfo::Type::SERVER_STREAMING;
    if (parsed_before_handler &&
        methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE) &&
        methods->GetRecvMessage() == nullptr) {
      unparsable_request_ = true;
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      grpc::Status status = methods->GetSendStatus();
      if (unparsable_request_ && status.error_code() == grpc::StatusCode::INTERNAL) {
        // gRPC's INTERNAL would blame the server for the client's bytes.
        status = grpc::Status(
            grpc::StatusCode::INVALID_ARGUMENT,
            absl::StrCat("the request is not a valid serialized message for ",
                         info_->method() != nullptr ? info_->method() : "this method"));
        methods->ModifySendStatus(status);
      }
      observer_->Finish(info_->method(), info_->server_context(), status, absl::Now() - start_);
      finished_ = true;
    }
    methods->Proceed();
  }

 private:
  RpcObserver* const observer_;
  grpc::experimental::ServerRpcInfo* const info_;
  // Only a key into notes_ once the call is over.
  const grpc::ServerContextBase* const call_;
  const absl::Time start_;
  bool unparsable_request_ = false;
  bool finished_ = false;
};

class RpcObserver::Factory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit Factory(RpcObserver* observer) : observer_(observer) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new Interceptor(observer_, info);
  }

 private:
  RpcObserver* const observer_;
};

RpcObserver::RpcObserver(Options options) : options_(std::move(options)) {}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
RpcObserver::NewInterceptorFactory() {
  return std::make_unique<Factory>(this);
}

void RpcObserver::NoteCacheResult(const grpc::ServerContextBase* call, bool hit,
                                  absl::string_view key) {
  if (options_.log_format == LogFormat::kNone) return;
  absl::MutexLock lock(&notes_mu_);
  notes_[call] = CacheNote{hit, std::string(key.substr(0, kKeyPrefixDigits))};
}

void RpcObserver::Forget(const grpc::ServerContextBase* call) {
  absl::MutexLock lock(&notes_mu_);
  notes_.erase(call);
}

void RpcObserver::Finish(const char* method, grpc::ServerContextBase* call,
                         const grpc::Status& status, absl::Duration latency) {
  const absl::string_view method_name = method != nullptr ? method : "";
  if (options_.metrics != nullptr) {
    options_.metrics->RecordRpc(options_.methods.contains(method_name) ? method_name : "unknown",
                                status.error_code(), latency);
  }
  std::optional<CacheNote> note;
  {
    absl::MutexLock lock(&notes_mu_);
    auto it = notes_.find(call);
    if (it != notes_.end()) {
      note = std::move(it->second);
      notes_.erase(it);
    }
  }
  if (options_.log_format == LogFormat::kNone) return;

  const std::string time =
      absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", absl::Now(), absl::UTCTimeZone());
  const std::string peer = call->peer();
  const double latency_ms = absl::ToDoubleMilliseconds(latency);
  const std::string code = CodeName(status.error_code());
  const std::string error = status.error_message().substr(0, kMaxLoggedMessage);

  std::string line;
  if (options_.log_format == LogFormat::kJson) {
    nlohmann::ordered_json json = {
        {"time", time}, {"method", method_name},    {"peer", peer},
        {"code", code}, {"latency_ms", latency_ms},
    };
    if (note.has_value()) {
      json["cache"] = note->hit ? "hit" : "miss";
      if (!note->key_prefix.empty()) json["key"] = note->key_prefix;
    }
    if (!status.ok()) json["error"] = error;
    // Bytes that are not UTF-8 (from a client) become U+FFFD, not an
    // exception.
    line = json.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  } else {
    line = absl::StrFormat("%s %s %s %s %.3fms", time, absl::CHexEscape(method_name),
                           absl::CHexEscape(peer), code, latency_ms);
    if (note.has_value()) {
      absl::StrAppend(&line, " cache=", note->hit ? "hit" : "miss");
      if (!note->key_prefix.empty()) absl::StrAppend(&line, " key=", note->key_prefix);
    }
    if (!status.ok()) absl::StrAppend(&line, " error=\"", absl::CHexEscape(error), "\"");
  }

  absl::MutexLock lock(&write_mu_);
  if (options_.write_line) {
    options_.write_line(line);
  } else {
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
}

}  // namespace aotd::server
