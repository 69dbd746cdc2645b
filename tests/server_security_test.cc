// A real server on loopback against bad and unauthorized clients: TLS and
// mutual TLS (with a throwaway CA and certificates made by the openssl
// command line at test start), client certificates as the admin
// credential, oversized requests, and the standard health and reflection
// services.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/remote_client.h"
#include "gmock/gmock.h"
#include "google/protobuf/unknown_field_set.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/service.grpc.pb.h"
#include "server/server.h"
#include "tools/admin_commands.h"

namespace aotd {
namespace {

using ::testing::HasSubstr;

std::string TempRoot() {
  const char* root = std::getenv("TEST_TMPDIR");
  return absl::StrCat(root != nullptr ? root : "/tmp", "/server_security_test");
}

// Runs a shell command of the test's own making; fails the test if it does.
void Run(const std::string& command) {
  ASSERT_EQ(std::system((command + " 2>/dev/null >/dev/null").c_str()), 0) << command;
}

// A throwaway CA, a server certificate for 127.0.0.1 and localhost, and
// client certificates with the subject CNs "aotd-admin" and "someone",
// made once for the whole test binary.
class Certificates : public ::testing::Environment {
 public:
  static std::string Path(const std::string& name) { return TempRoot() + "/pki/" + name; }

  void SetUp() override {
    const std::string dir = Path("");
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const std::string key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    Run(absl::StrCat("openssl req -x509 ", key, " -keyout ", Path("ca.key"), " -out ",
                     Path("ca.pem"), " -days 2 -subj /CN=aotd-test-ca"));
    std::ofstream(Path("server.ext")) << "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
    Sign("server", "localhost", Path("server.ext"));
    std::ofstream(Path("client.ext")) << "extendedKeyUsage=clientAuth\n";
    Sign("admin", "aotd-admin", Path("client.ext"));
    Sign("someone", "someone", Path("client.ext"));
  }

 private:
  // NAME.key and NAME.pem, signed by the CA.
  static void Sign(const std::string& name, const std::string& common_name,
                   const std::string& extensions) {
    Run(absl::StrCat("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes",
                     " -keyout ", Path(name + ".key"), " -out ", Path(name + ".csr"),
                     " -subj /CN=", common_name));
    Run(absl::StrCat("openssl x509 -req -in ", Path(name + ".csr"), " -CA ", Path("ca.pem"),
                     " -CAkey ", Path("ca.key"), " -set_serial ", serial_++, " -days 2",
                     " -extfile ", extensions, " -out ", Path(name + ".pem")));
  }
  static inline int serial_ = 1;
};

const ::testing::Environment* const kCertificates =
    ::testing::AddGlobalTestEnvironment(new Certificates);

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Credentials of a client that trusts the test CA, with the client
// certificate NAME ("" for none).
std::shared_ptr<grpc::ChannelCredentials> TlsCredentials(const std::string& name) {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadAll(Certificates::Path("ca.pem"));
  if (!name.empty()) {
    ssl.pem_cert_chain = ReadAll(Certificates::Path(name + ".pem"));
    ssl.pem_private_key = ReadAll(Certificates::Path(name + ".key"));
  }
  return grpc::SslCredentials(ssl);
}

// A deadline short enough for calls that are expected to fail to connect.
void ShortDeadline(grpc::ClientContext& context) {
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(3)));
}

// A cheap RPC: a lookup of a graph key nobody compiled.
grpc::Status Lookup(const std::shared_ptr<grpc::Channel>& channel, size_t key_bytes = 64) {
  proto::LookupRequest request;
  request.set_graph_key(std::string(key_bytes, 'a'));
  grpc::ClientContext context;
  ShortDeadline(context);
  proto::LookupResponse response;
  return proto::Compiler::NewStub(channel)->Lookup(&context, request, &response);
}

grpc::Status AdminStats(const std::shared_ptr<grpc::Channel>& channel) {
  grpc::ClientContext context;
  ShortDeadline(context);
  proto::StatsResponse response;
  return proto::Admin::NewStub(channel)->Stats(&context, proto::StatsRequest(), &response);
}

class ServerSecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempRoot() + "/cache";
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Starts a server on `options` plus a loopback port and the scratch cache.
  void Start(server::ServerOptions options) {
    options.listen = "127.0.0.1:0";
    options.cache_dir = dir_;
    options.log_format = server::LogFormat::kNone;
    absl::StatusOr<std::unique_ptr<server::Server>> started = server::StartServer(options);
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
  }
  std::string Address() const { return absl::StrCat("127.0.0.1:", server_->port()); }
  std::shared_ptr<grpc::Channel> Channel(std::shared_ptr<grpc::ChannelCredentials> credentials) {
    return grpc::CreateChannel(Address(), std::move(credentials));
  }

  static server::ServerOptions Tls() {
    server::ServerOptions options;
    options.tls_cert_file = Certificates::Path("server.pem");
    options.tls_key_file = Certificates::Path("server.key");
    return options;
  }
  static server::ServerOptions MutualTls() {
    server::ServerOptions options = Tls();
    options.tls_client_ca_file = Certificates::Path("ca.pem");
    options.admin_cert_common_names = {"aotd-admin"};
    return options;
  }

  std::string dir_;
  std::unique_ptr<server::Server> server_;
};

TEST_F(ServerSecurityTest, TlsServesTlsClientsAndRefusesPlaintext) {
  Start(Tls());
  EXPECT_TRUE(Lookup(Channel(TlsCredentials(""))).ok());
  grpc::Status plaintext = Lookup(Channel(grpc::InsecureChannelCredentials()));
  EXPECT_EQ(plaintext.error_code(), grpc::StatusCode::UNAVAILABLE) << plaintext.error_message();

  // aotctl's path: --tls_ca_file.
  tools::AdminOptions admin;
  admin.server = Address();
  admin.tls_ca_file = Certificates::Path("ca.pem");
  std::ostringstream out;
  EXPECT_TRUE(tools::HealthCommand(admin, out).ok());
  EXPECT_EQ(out.str(), "SERVING\n");
}

TEST_F(ServerSecurityTest, MutualTlsRefusesClientsWithoutACertificate) {
  Start(MutualTls());
  grpc::Status no_certificate = Lookup(Channel(TlsCredentials("")));
  EXPECT_EQ(no_certificate.error_code(), grpc::StatusCode::UNAVAILABLE);
  grpc::Status plaintext = Lookup(Channel(grpc::InsecureChannelCredentials()));
  EXPECT_EQ(plaintext.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(Lookup(Channel(TlsCredentials("someone"))).ok());

  // The client library's options.
  client::Client::Options options;
  options.address = Address();
  options.tls_ca_file = Certificates::Path("ca.pem");
  options.tls_cert_file = Certificates::Path("someone.pem");
  client::Client::Options half = options;
  half.tls_key_file = "";
  absl::StatusOr<client::Client::Compiled> refused = client::Client(half).Compile({}, {});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << refused.status();
}

TEST_F(ServerSecurityTest, AnAdminClientCertificateIsTheAdminCredential) {
  Start(MutualTls());
  EXPECT_TRUE(AdminStats(Channel(TlsCredentials("admin"))).ok());
  grpc::Status other = AdminStats(Channel(TlsCredentials("someone")));
  EXPECT_EQ(other.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(other.error_message(), HasSubstr("'someone'"));

  // aotctl's path: a client certificate and no token.
  tools::AdminOptions admin;
  admin.server = Address();
  admin.tls_ca_file = Certificates::Path("ca.pem");
  admin.tls_cert_file = Certificates::Path("admin.pem");
  admin.tls_key_file = Certificates::Path("admin.key");
  std::ostringstream out;
  absl::Status stats = tools::StatsCommand(admin, out);
  EXPECT_TRUE(stats.ok()) << stats;
}

TEST_F(ServerSecurityTest, TlsOptionsThatDoNotGoTogetherAreRefused) {
  server::ServerOptions options = Tls();
  options.tls_key_file = "";
  options.listen = "127.0.0.1:0";
  options.cache_dir = dir_;
  EXPECT_EQ(server::StartServer(options).status().code(), absl::StatusCode::kInvalidArgument);

  options = Tls();
  options.admin_cert_common_names = {"aotd-admin"};  // Without client verification.
  options.listen = "127.0.0.1:0";
  options.cache_dir = dir_;
  absl::Status status = server::StartServer(options).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("--tls_client_ca_file"));

  options = Tls();
  options.tls_key_file = Certificates::Path("someone.key");  // Not the certificate's key.
  options.listen = "127.0.0.1:0";
  options.cache_dir = dir_;
  status = server::StartServer(options).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(status.message(), HasSubstr("not a valid PEM key pair"));
}

TEST_F(ServerSecurityTest, OversizedRequestsAreRefusedAndOthersStillServed) {
  server::ServerOptions options;
  options.max_message_bytes = 1 << 20;
  Start(options);
  auto channel = Channel(grpc::InsecureChannelCredentials());

  std::vector<std::thread> bad_clients;
  std::vector<grpc::Status> refused(4);
  for (size_t i = 0; i < refused.size(); ++i) {
    bad_clients.emplace_back([&, i] { refused[i] = Lookup(channel, 2 << 20); });
  }
  // Everyone else is served meanwhile and after.
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(Lookup(channel).ok());
  for (std::thread& t : bad_clients) t.join();
  for (const grpc::Status& status : refused) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
    EXPECT_THAT(status.error_message(), HasSubstr("larger than max"));
  }
  EXPECT_TRUE(Lookup(channel).ok());
  EXPECT_TRUE(Lookup(Channel(grpc::InsecureChannelCredentials())).ok());
}

TEST_F(ServerSecurityTest, GarbageRequestsAreRefusedAndOthersStillServed) {
  Start(server::ServerOptions());
  auto channel = Channel(grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  ShortDeadline(context);
  grpc::Slice garbage(std::string("\xff\xff\xff\xff\x0f garbage", 13));
  grpc::ByteBuffer request(&garbage, 1), reply;
  grpc::Status status;
  absl::Notification done;
  stub.UnaryCall(&context, "/aotd.proto.Compiler/Compile", grpc::StubOptions(), &request, &reply,
                 [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotification();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("/aotd.proto.Compiler/Compile"));
  EXPECT_TRUE(Lookup(channel).ok());
}

// The payload of a ByteBuffer.
std::string Bytes(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(buffer.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

// The services a server lists through grpc.reflection.v1alpha, asked over a
// generic stream with hand-encoded messages:
//   ServerReflectionRequest { string list_services = 7; }
//   ServerReflectionResponse { ListServiceResponse list_services_response = 6; }
//   ListServiceResponse { repeated ServiceResponse service = 1; }
//   ServiceResponse { string name = 1; }
std::set<std::string> ReflectedServices(const std::shared_ptr<grpc::Channel>& channel) {
  grpc::CompletionQueue queue;
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  ShortDeadline(context);
  auto await = [&queue](intptr_t tag) {
    void* got = nullptr;
    bool ok = false;
    EXPECT_TRUE(queue.Next(&got, &ok));
    EXPECT_EQ(reinterpret_cast<intptr_t>(got), tag);
    return ok;
  };
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call = stub.PrepareCall(
      &context, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &queue);
  call->StartCall(reinterpret_cast<void*>(1));
  EXPECT_TRUE(await(1));

  const std::string request = std::string("\x3a\x01*", 3);  // list_services: "*"
  grpc::Slice slice(request);
  call->Write(grpc::ByteBuffer(&slice, 1), reinterpret_cast<void*>(2));
  EXPECT_TRUE(await(2));
  grpc::ByteBuffer reply;
  call->Read(&reply, reinterpret_cast<void*>(3));
  EXPECT_TRUE(await(3));
  call->WritesDone(reinterpret_cast<void*>(4));
  EXPECT_TRUE(await(4));
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  EXPECT_TRUE(await(5));
  EXPECT_TRUE(status.ok()) << status.error_message();

  std::set<std::string> names;
  google::protobuf::UnknownFieldSet response;
  EXPECT_TRUE(response.ParseFromString(Bytes(reply)));
  for (int i = 0; i < response.field_count(); ++i) {
    if (response.field(i).number() != 6) continue;
    google::protobuf::UnknownFieldSet list;
    EXPECT_TRUE(list.ParseFromString(response.field(i).length_delimited()));
    for (int j = 0; j < list.field_count(); ++j) {
      google::protobuf::UnknownFieldSet service;
      EXPECT_TRUE(service.ParseFromString(list.field(j).length_delimited()));
      for (int k = 0; k < service.field_count(); ++k) {
        if (service.field(k).number() == 1) names.insert(service.field(k).length_delimited());
      }
    }
  }
  return names;
}

TEST_F(ServerSecurityTest, ReflectionListsTheServicesAndHealthAnswersServing) {
  Start(server::ServerOptions());
  std::set<std::string> services = ReflectedServices(Channel(grpc::InsecureChannelCredentials()));
  EXPECT_THAT(services, ::testing::IsSupersetOf(
                            {"aotd.proto.Compiler", "aotd.proto.Admin", "grpc.health.v1.Health"}));

  tools::AdminOptions admin;
  admin.server = Address();
  std::ostringstream out;
  EXPECT_TRUE(tools::HealthCommand(admin, out).ok());
  EXPECT_EQ(out.str(), "SERVING\n");
}

}  // namespace
}  // namespace aotd
