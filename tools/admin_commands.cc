#include "tools/admin_commands.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "client/channel_credentials.h"
#include "common/status_macros.h"
#include "compiler/frontend/load.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl.h"
#include "google/protobuf/util/delimited_message_util.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "proto/service.grpc.pb.h"

namespace aotd::tools {
namespace {

constexpr absl::string_view kBundleMagic = "aotd-bundle/1\n";
constexpr size_t kKeyColumn = 16;  // Hex digits of a key `ls` shows.

// A connection to one server's Admin service, with the admin credential.
class AdminConnection {
 public:
  static absl::StatusOr<std::unique_ptr<AdminConnection>> Open(const AdminOptions& options) {
    std::string token;
    if (!options.admin_token_file.empty()) {
      ASSIGN_OR_RETURN(std::string text, frontend::ReadFile(options.admin_token_file));
      token = std::string(absl::StripAsciiWhitespace(text));
      if (token.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("the admin token file ", options.admin_token_file, " is empty"));
      }
    }
    ASSIGN_OR_RETURN(std::shared_ptr<grpc::ChannelCredentials> credentials,
                     client::ChannelCredentials({options.tls_ca_file, options.tls_cert_file,
                                                 options.tls_key_file}));
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(-1);
    args.SetMaxSendMessageSize(-1);
    auto channel = grpc::CreateCustomChannel(options.server, credentials, args);
    return std::unique_ptr<AdminConnection>(
        new AdminConnection(options, std::move(token), std::move(channel)));
  }

  proto::Admin::Stub& stub() { return *stub_; }
  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }

  // Sets the deadline and the credential of one call.
  void Prepare(grpc::ClientContext& context) const {
    context.set_deadline(absl::ToChronoTime(absl::Now() + options_.deadline));
    if (!token_.empty()) context.AddMetadata("authorization", absl::StrCat("Bearer ", token_));
  }

  // The server's error, its code kept and named in the message.
  absl::Status FromGrpc(const grpc::Status& status) const {
    if (status.ok()) return absl::OkStatus();
    auto code = static_cast<absl::StatusCode>(status.error_code());
    if (code == absl::StatusCode::kUnavailable) {
      return absl::UnavailableError(absl::StrCat("UNAVAILABLE: cannot reach aotd at ",
                                                 options_.server, ": ", status.error_message()));
    }
    return absl::Status(code, absl::StrCat(absl::StatusCodeToString(code), " from ",
                                           options_.server, ": ", status.error_message()));
  }

  // A unary Admin call: `call(stub, context, request, response)`.
  template <typename Request, typename Response, typename Method>
  absl::StatusOr<Response> Call(Method method, const Request& request) {
    grpc::ClientContext context;
    Prepare(context);
    Response response;
    RETURN_IF_ERROR(FromGrpc(((*stub_).*method)(&context, request, &response)));
    return response;
  }

 private:
  AdminConnection(const AdminOptions& options, std::string token,
                  std::shared_ptr<grpc::Channel> channel)
      : options_(options),
        token_(std::move(token)),
        channel_(std::move(channel)),
        stub_(proto::Admin::NewStub(channel_)) {}

  const AdminOptions options_;
  const std::string token_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<proto::Admin::Stub> stub_;
};

absl::Status PrintJson(const google::protobuf::Message& message, std::ostream& out) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string json;
  auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) {
    return absl::InternalError(absl::StrCat("cannot print JSON: ", status.ToString()));
  }
  out << json;
  if (!absl::EndsWith(json, "\n")) out << "\n";
  return absl::OkStatus();
}

// A JSON string literal.
std::string JsonString(absl::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string HumanBytes(uint64_t bytes) {
  constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  if (unit == 0) return absl::StrCat(bytes, " B");
  return absl::StrFormat("%.1f %s", value, kUnits[unit]);
}

std::string HumanDuration(absl::Duration d) {
  if (d < absl::ZeroDuration()) d = absl::ZeroDuration();
  const int64_t seconds = absl::ToInt64Seconds(d);
  if (seconds < 120) return absl::StrCat(seconds, "s");
  if (seconds < 120 * 60) return absl::StrCat(seconds / 60, "m");
  if (seconds < 48 * 3600) return absl::StrCat(seconds / 3600, "h");
  return absl::StrCat(seconds / 86400, "d");
}

// "3m ago", or "-" for a time not recorded.
std::string Ago(int64_t unix_micros, absl::Time now) {
  if (unix_micros == 0) return "-";
  return absl::StrCat(HumanDuration(now - absl::FromUnixMicros(unix_micros)), " ago");
}

std::string When(int64_t unix_micros, absl::Time now) {
  if (unix_micros == 0) return "-";
  absl::Time t = absl::FromUnixMicros(unix_micros);
  return absl::StrCat(absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", t, absl::UTCTimeZone()), " (",
                      HumanDuration(now - t), " ago)");
}

void PrintTier(const proto::TierStats& t, absl::string_view indent, std::ostream& out) {
  out << indent << t.tier() << ": " << t.entries() << " entries, " << HumanBytes(t.bytes());
  if (t.max_bytes() != 0) out << " of " << HumanBytes(t.max_bytes());
  out << "; hits " << t.hits() << ", misses " << t.misses() << ", puts " << t.puts()
      << ", evictions " << t.evictions() << ", expirations " << t.expirations()
      << ", digest failures " << t.digest_failures();
  if (t.read_errors() + t.write_errors() > 0) {
    out << ", read errors " << t.read_errors() << ", write errors " << t.write_errors();
  }
  out << "\n";
}

// Progress on a terminal: one line rewritten in place.
class Progress {
 public:
  explicit Progress(std::ostream* out) : out_(out) {}
  void Update(absl::string_view line) {
    if (out_ == nullptr) return;
    *out_ << "\r" << line << "\x1b[K" << std::flush;
    shown_ = true;
  }
  void Done() {
    if (out_ != nullptr && shown_) *out_ << "\n" << std::flush;
  }

 private:
  std::ostream* out_;
  bool shown_ = false;
};

void PrintDifferences(const proto::ExplainCandidate& candidate, std::ostream& out) {
  for (const proto::ComponentDifference& d : candidate.differences()) {
    out << "      " << d.component() << ": wanted \"" << d.wanted() << "\", cached \""
        << d.cached() << "\"\n";
  }
}

}  // namespace

absl::StatusOr<absl::Duration> ParseAge(absl::string_view text) {
  absl::Duration age;
  int64_t days = 0;
  std::string trimmed(absl::StripAsciiWhitespace(text));
  if (absl::EndsWith(trimmed, "d") &&
      absl::SimpleAtoi(absl::string_view(trimmed).substr(0, trimmed.size() - 1), &days)) {
    age = absl::Hours(24) * days;
  } else if (!absl::ParseDuration(trimmed, &age)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", text, "' is not a duration (like 90s, 15m, 2h, 1h30m or 7d)"));
  }
  if (age < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat("'", text, "' is negative"));
  }
  return age;
}

absl::Status StatsCommand(const AdminOptions& options, std::ostream& out) {
  ASSIGN_OR_RETURN(auto connection, AdminConnection::Open(options));
  ASSIGN_OR_RETURN(proto::StatsResponse stats,
                   (connection->Call<proto::StatsRequest, proto::StatsResponse>(
                       &proto::Admin::Stub::Stats, proto::StatsRequest())));
  if (options.json) return PrintJson(stats, out);
  PrintTier(stats.cache(), "cache ", out);
  for (const proto::TierStats& tier : stats.tiers()) PrintTier(tier, "  tier ", out);
  out << "namespaces:";
  if (stats.cache().namespaces().empty()) out << " none";
  out << "\n";
  for (const proto::NamespaceStats& ns : stats.cache().namespaces()) {
    out << "  " << ns.namespace_() << ": " << ns.entries() << " entries, "
        << HumanBytes(ns.bytes()) << "\n";
  }
  out << "compiles started " << stats.compiles_started() << ", queue depth "
      << stats.queue_depth() << "\n";
  out << "admin: evicted " << stats.admin_evictions() << ", deleted " << stats.admin_deletions()
      << ", removed by verify " << stats.verify_removals() << "\n";
  return absl::OkStatus();
}

absl::Status ListCommand(const AdminOptions& options, const ListArgs& args, std::ostream& out) {
  proto::ListEntriesRequest request;
  bool descending = false;
  if (args.sort == "key") {
    request.set_order(proto::ENTRY_ORDER_KEY);
  } else if (args.sort == "size") {
    request.set_order(proto::ENTRY_ORDER_SIZE);
    descending = true;
  } else if (args.sort == "last_use") {
    request.set_order(proto::ENTRY_ORDER_LAST_USED);
    descending = true;
  } else if (args.sort == "hits") {
    request.set_order(proto::ENTRY_ORDER_HITS);
    descending = true;
  } else if (args.sort == "age") {
    request.set_order(proto::ENTRY_ORDER_AGE);
    descending = true;  // ENTRY_ORDER_AGE is youngest first.
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown sort '", args.sort, "': one of key, size, last_use, hits, age"));
  }
  request.set_descending(descending != args.reverse);
  if (args.cache_namespace.has_value()) request.set_namespace_(*args.cache_namespace);

  ASSIGN_OR_RETURN(auto connection, AdminConnection::Open(options));
  proto::ListEntriesResponse all;
  do {
    size_t wanted = args.limit == 0 ? 1000
                                    : std::min<size_t>(1000, args.limit - all.entries_size());
    request.set_page_size(wanted);
    ASSIGN_OR_RETURN(proto::ListEntriesResponse page,
                     (connection->Call<proto::ListEntriesRequest, proto::ListEntriesResponse>(
                         &proto::Admin::Stub::ListEntries, request)));
    for (proto::EntryInfo& entry : *page.mutable_entries()) {
      *all.add_entries() = std::move(entry);
    }
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty() &&
           (args.limit == 0 || static_cast<size_t>(all.entries_size()) < args.limit));
  all.set_next_page_token(request.page_token());  // Where a longer listing would go on.
  if (options.json) return PrintJson(all, out);

  size_t ns_width = 9;
  for (const proto::EntryInfo& e : all.entries()) {
    ns_width = std::max(ns_width, e.namespace_().size());
  }
  const absl::Time now = absl::Now();
  out << absl::StrFormat("%-*s  %-*s  %10s  %6s  %6s  %s\n", kKeyColumn, "KEY", ns_width,
                         "NAMESPACE", "SIZE", "HITS", "AGE", "LAST USE");
  for (const proto::EntryInfo& e : all.entries()) {
    std::string age = e.created_unix_micros() == 0
                          ? "-"
                          : HumanDuration(now - absl::FromUnixMicros(e.created_unix_micros()));
    out << absl::StrFormat("%-*s  %-*s  %10s  %6d  %6s  %s\n", kKeyColumn,
                           e.key().substr(0, kKeyColumn), ns_width, e.namespace_(),
                           HumanBytes(e.size_bytes()), e.hit_count(), age,
                           Ago(e.last_used_unix_micros(), now));
  }
  if (!request.page_token().empty()) {
    out << "(more entries: raise --limit, or 0 for all)\n";
  }
  return absl::OkStatus();
}

absl::Status ShowCommand(const AdminOptions& options, const std::string& key, bool source,
                         std::ostream& out) {
  ASSIGN_OR_RETURN(auto connection, AdminConnection::Open(options));
  proto::GetEntryRequest request;
  request.set_key(key);
  request.set_include_source(source);
  ASSIGN_OR_RETURN(proto::GetEntryResponse entry,
                   (connection->Call<proto::GetEntryRequest, proto::GetEntryResponse>(
                       &proto::Admin::Stub::GetEntry, request)));
  if (options.json) return PrintJson(entry, out);

  const proto::EntryInfo& e = entry.entry();
  const absl::Time now = absl::Now();
  std::string digest;
  for (unsigned char c : e.sha256()) absl::StrAppendFormat(&digest, "%02x", c);
  out << "key        " << e.key() << "\n"
      << "namespace  " << e.namespace_() << "\n"
      << "size       " << HumanBytes(e.size_bytes()) << " (" << e.size_bytes()
      << " bytes, sha256 " << digest << ")\n"
      << "created    " << When(e.created_unix_micros(), now) << "\n"
      << "last used  " << When(e.last_used_unix_micros(), now) << "\n"
      << "hits       " << e.hit_count() << "\n"
      << "key components:\n"
      << "  graph_key         " << e.key_components().graph_key() << "\n"
      << "  options           " << e.key_components().options() << "\n"
      << "  target            " << e.key_components().target() << "\n"
      << "  compiler_version  " << e.key_components().compiler_version() << "\n"
      << "artifact: target " << (entry.target().empty() ? "-" : entry.target()) << ", compiler "
      << entry.compiler_version() << ", shared object " << HumanBytes(entry.shared_object_bytes())
      << ", " << (entry.signed_() ? "signed" : "unsigned") << "\n";
  const proto::PartitionReport& p = entry.partition();
  out << "partition: " << p.partitioner() << ", memory budget " << p.memory_budget() << ": saved "
      << p.saved_size() << " values (" << HumanBytes(p.saved_bytes()) << "; "
      << p.saved_new_storage_tensors() << " new tensors, "
      << HumanBytes(p.saved_new_storage_bytes()) << "), recomputed " << p.recomputed_size()
      << " (" << p.recompute_flops() << " flops)\n";
  auto decision = [&](absl::string_view what, const proto::PartitionDecision& d) {
    out << "  " << what << d.name() << " (" << (d.op().empty() ? "" : absl::StrCat(d.op(), ", "))
        << HumanBytes(d.bytes()) << "): " << d.reason() << "\n";
  };
  for (const proto::PartitionDecision& d : p.saved()) decision("saved      ", d);
  for (const proto::PartitionDecision& d : p.recomputed()) decision("recomputed ", d);
  if (!entry.timings().empty()) {
    std::vector<std::string> timings;
    for (const proto::StageTiming& t : entry.timings()) {
      timings.push_back(absl::StrFormat("%s %.3fs", t.stage(), t.seconds()));
    }
    out << "timings: " << absl::StrJoin(timings, ", ") << "\n";
  }
  if (entry.source_bytes() == 0) {
    out << "source: not kept\n";
  } else if (!source) {
    out << "source: " << HumanBytes(entry.source_bytes()) << " (--source prints it)\n";
  } else {
    out << "source:\n" << entry.source();
    if (!absl::EndsWith(entry.source(), "\n")) out << "\n";
  }
  return absl::OkStatus();
}

absl::Status RemoveCommand(const AdminOptions& options, const std::string& key,
                           std::ostream& out) {
  ASSIGN_OR_RETURN(auto connection, AdminConnection::Open(options));
  proto::DeleteEntryRequest request;
  request.set_key(key);
  ASSIGN_OR_RETURN(proto::DeleteEntryResponse removed,
                   (connection->Call<proto::DeleteEntryRequest, proto::DeleteEntryResponse>(
                       &proto::Admin::Stub::DeleteEntry, request)));
  if (options.json) return PrintJson(removed, out);
  out << "removed " << removed.key() << " (" << HumanBytes(removed.size_bytes()) << ")\n";
  return absl::OkStatus();
}

absl::Status EvictCommand(const AdminOptions& options, const EvictArgs& args, std::ostream& out) {
  proto::EvictRequest request;
  if (!args.older_than.empty()) {
    ASSIGN_OR_RETURN(absl::Duration age, ParseAge(args.older_than));
    request.set_older_than_ms(std::max<int64_t>(1, absl::ToInt64Milliseconds(age)));
  }
  if (!args.unused_for.empty()) {
    ASSIGN_OR_RETURN(absl::Duration age, ParseAge(args.unused_for));
    request.set_unused_for_ms(std::max<int64_t>(1, absl::ToInt64Milliseconds(age)));
  }
  if (args.max_bytes.has_value()) request.set_max_bytes(*args.max_bytes);
  if (args.cache_namespace.has_value()) request.set_namespace_(*args.cache_namespace);
  ASSIGN_OR_RETURN(auto connection, AdminConnection::Open(options));
  ASSIGN_OR_RETURN(proto::EvictResponse evicted,
                   (connection->Call<proto::EvictRequest, proto::EvictResponse>(
                       &proto::Admin::Stub::Evict, request)));
  if (options.json) return PrintJson(evicted, out);
  out << "evicted " << evicted.entries() << " entries, " << HumanBytes(evicted.bytes()) << "\n";
  return absl::OkStatus();
}

absl::Status VerifyCommand(const AdminOptions& options, std::ostream& out) {
  ASSIGN_OR_RETURN(auto connection, AdminConnection::Open(options));
  ASSIGN_OR_RETURN(proto::VerifyResponse verified,
                   (connection->Call<proto::VerifyRequest, proto::VerifyResponse>(
                       &proto::Admin::Stub::Verify, proto::VerifyRequest())));
  if (options.json) return PrintJson(verified, out);
  out << "checked " << verified.checked() << " entries (" << verified.copies_checked()
      << " copies over all tiers): ";
  if (verified.removed_keys().empty()) {
    out << "all intact\n";
  } else {
    out << verified.removed_keys_size() << " damaged, removed:\n";
    for (const std::string& key : verified.removed_keys()) out << "  " << key << "\n";
  }
  return absl::OkStatus();
}

absl::Status ExportCommand(const AdminOptions& options, const std::string& file,
                           const std::optional<std::string>& cache_namespace,
                           std::ostream& out) {
  ASSIGN_OR_RETURN(auto connection, AdminConnection::Open(options));
  const std::string partial = file + ".partial";
  std::ofstream bundle(partial, std::ios::binary | std::ios::trunc);
  if (!bundle) return absl::UnavailableError(absl::StrCat("cannot write ", partial));
  bundle << kBundleMagic;

  proto::ExportRequest request;
  if (cache_namespace.has_value()) request.set_namespace_(*cache_namespace);
  grpc::ClientContext context;
  connection->Prepare(context);
  std::unique_ptr<grpc::ClientReader<proto::ExportResponse>> reader =
      connection->stub().Export(&context, request);
  Progress progress(options.progress);
  proto::ExportResponse message;
  uint64_t entries = 0, bytes = 0;
  bool written = true;
  while (reader->Read(&message)) {
    written = google::protobuf::util::SerializeDelimitedToOstream(message.entry(), &bundle);
    if (!written) {
      context.TryCancel();
      break;
    }
    ++entries;
    bytes += message.entry().artifact().size();
    progress.Update(absl::StrCat("exported ", entries, "/", message.total(), " entries, ",
                                 HumanBytes(bytes)));
  }
  absl::Status status = connection->FromGrpc(reader->Finish());
  progress.Done();
  bundle.close();
  if (written && status.ok() && !bundle) written = false;
  if (!written) status = absl::UnavailableError(absl::StrCat("writing ", partial, " failed"));
  std::error_code error;
  if (!status.ok()) {
    std::filesystem::remove(partial, error);
    return status;
  }
  std::filesystem::rename(partial, file, error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("cannot rename ", partial, " to ", file, ": ", error.message()));
  }
  if (options.json) {
    out << "{\"file\": " << JsonString(file) << ", \"entries\": " << entries
        << ", \"bytes\": " << bytes << "}\n";
  } else {
    out << "exported " << entries << " entries (" << HumanBytes(bytes) << ") to " << file << "\n";
  }
  return absl::OkStatus();
}

absl::Status ImportCommand(const AdminOptions& options, const std::string& file,
                           std::ostream& out) {
  std::ifstream bundle(file, std::ios::binary);
  if (!bundle) return absl::NotFoundError(absl::StrCat("cannot open ", file));
  std::string magic(kBundleMagic.size(), '\0');
  bundle.read(magic.data(), magic.size());
  if (!bundle || magic != kBundleMagic) {
    return absl::InvalidArgumentError(
        absl::StrCat(file, " is not an aotd bundle (no \"aotd-bundle/1\" header)"));
  }
  std::error_code size_error;
  const uint64_t file_bytes = std::filesystem::file_size(file, size_error);

  ASSIGN_OR_RETURN(auto connection, AdminConnection::Open(options));
  grpc::ClientContext context;
  connection->Prepare(context);
  proto::ImportResponse response;
  std::unique_ptr<grpc::ClientWriter<proto::ImportRequest>> writer =
      connection->stub().Import(&context, &response);
  google::protobuf::io::IstreamInputStream input(&bundle);
  Progress progress(options.progress);
  proto::ImportRequest message;
  uint64_t entries = 0, bytes = magic.size();
  absl::Status local;
  while (true) {
    bool clean_eof = false;
    message.Clear();
    if (!google::protobuf::util::ParseDelimitedFromZeroCopyStream(message.mutable_entry(), &input,
                                                                  &clean_eof)) {
      if (!clean_eof) {
        local = absl::InvalidArgumentError(absl::StrCat(
            file, ": the bundle is damaged after entry ", entries, "; nothing was imported"));
      }
      break;
    }
    if (!writer->Write(message)) break;  // The server ended the call: Finish says why.
    ++entries;
    bytes += message.entry().ByteSizeLong();
    progress.Update(absl::StrCat("sent ", entries, " entries, ", HumanBytes(bytes), " of ",
                                 HumanBytes(file_bytes)));
  }
  if (local.ok()) {
    message.Clear();
    message.set_end(true);
    writer->Write(message);
    writer->WritesDone();
  } else {
    context.TryCancel();
  }
  absl::Status status = connection->FromGrpc(writer->Finish());
  progress.Done();
  RETURN_IF_ERROR(local);
  RETURN_IF_ERROR(status);
  if (options.json) return PrintJson(response, out);
  out << "imported " << response.imported() << " entries (" << HumanBytes(response.bytes())
      << ") from " << file;
  if (response.already_present() > 0) {
    out << "; " << response.already_present() << " were already in the cache";
  }
  out << "\n";
  return absl::OkStatus();
}

absl::Status ExplainCommand(const AdminOptions& options, const std::string& file,
                            const ExplainArgs& args, std::ostream& out) {
  ASSIGN_OR_RETURN(std::string bytes, frontend::ReadFile(file));
  absl::StatusOr<proto::Graph> graph = frontend::ParseGraphBytes(bytes);
  if (!graph.ok()) {
    return absl::Status(graph.status().code(),
                        absl::StrCat(file, ": ", graph.status().message()));
  }
  proto::ExplainRequest request;
  proto::CompileRequest& compile = *request.mutable_request();
  *compile.mutable_graph() = *std::move(graph);
  compile.mutable_options()->set_partitioner(args.partitioner);
  compile.mutable_options()->set_memory_budget(args.memory_budget);
  compile.set_target(args.target);
  compile.set_namespace_(args.cache_namespace);
  request.set_max_candidates(std::max(0, args.max_candidates));

  ASSIGN_OR_RETURN(auto connection, AdminConnection::Open(options));
  ASSIGN_OR_RETURN(proto::ExplainResponse explained,
                   (connection->Call<proto::ExplainRequest, proto::ExplainResponse>(
                       &proto::Admin::Stub::Explain, request)));
  if (options.json) return PrintJson(explained, out);

  const proto::KeyComponents& c = explained.components();
  out << "key " << explained.key() << " (namespace " << c.namespace_() << "): "
      << (explained.found() ? "in the cache, a compile would hit" : "not in the cache") << "\n"
      << "  graph_key         " << c.graph_key() << "\n"
      << "  options           " << c.options() << "\n"
      << "  target            " << c.target() << "\n"
      << "  compiler_version  " << c.compiler_version() << "\n";
  if (explained.found()) return absl::OkStatus();
  if (explained.closest().empty()) {
    out << "the cache is empty: nothing to compare with\n";
    return absl::OkStatus();
  }
  out << "closest of " << explained.entries_compared() << " cached entries:\n";
  for (const proto::ExplainCandidate& candidate : explained.closest()) {
    std::vector<std::string> names;
    for (const proto::ComponentDifference& d : candidate.differences()) {
      names.push_back(d.component());
    }
    out << "  " << candidate.entry().key().substr(0, kKeyColumn) << " (namespace "
        << candidate.entry().namespace_() << "): differs in " << absl::StrJoin(names, ", ")
        << "\n";
    PrintDifferences(candidate, out);
  }
  return absl::OkStatus();
}

absl::Status HealthCommand(const AdminOptions& options, std::ostream& out) {
  ASSIGN_OR_RETURN(auto connection, AdminConnection::Open(options));
  grpc::GenericStub stub(connection->channel());
  grpc::ClientContext context;
  connection->Prepare(context);
  // grpc.health.v1.HealthCheckRequest{service: ""} encodes as no bytes.
  grpc::Slice empty("");
  grpc::ByteBuffer request(&empty, 1);
  grpc::ByteBuffer response;
  grpc::Status status;
  absl::Notification done;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request,
                 &response, [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotification();
  RETURN_IF_ERROR(connection->FromGrpc(status));

  // HealthCheckResponse{status = 1 (enum ServingStatus)}.
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) return absl::InternalError("unreadable health response");
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  google::protobuf::io::CodedInputStream input(reinterpret_cast<const uint8_t*>(bytes.data()),
                                               static_cast<int>(bytes.size()));
  uint32_t serving = 0;  // UNKNOWN when absent.
  while (uint32_t tag = input.ReadTag()) {
    if (tag == (1 << 3)) {
      if (!input.ReadVarint32(&serving)) break;
    } else if (!google::protobuf::internal::WireFormatLite::SkipField(&input, tag)) {
      break;
    }
  }
  constexpr const char* kNames[] = {"UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"};
  const std::string name = serving < 4 ? kNames[serving] : absl::StrCat("status ", serving);
  if (options.json) {
    out << "{\"status\": " << JsonString(name) << "}\n";
  } else {
    out << name << "\n";
  }
  if (serving != 1) {
    return absl::UnavailableError(absl::StrCat("aotd at ", options.server, " is ", name));
  }
  return absl::OkStatus();
}

}  // namespace aotd::tools
