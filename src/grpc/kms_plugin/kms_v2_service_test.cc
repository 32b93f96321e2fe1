#include "grpc/kms_plugin/kms_v2_service.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "base/testing/fake_clock.h"
#include "grpc/kms_plugin/plugin_server.h"
#include "grpc/kms_plugin/testing/fake_kms.h"

namespace coffer::kmsplugin {
namespace {

using std::chrono::milliseconds;
using testing::FakeKms;

// Serves a KmsPlugin over FakeKms on a socket in a fresh directory; a real gRPC client calls it
// the way kube-apiserver does (authority localhost, wait for ready, a deadline per call).
class KmsV2ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/coffer-kmsv2-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    socket_ = dir_ + "/run/kms.sock";  // the directory is created by the server
    plugin_ = std::make_unique<KmsPlugin>(kms_, KmsPlugin::Options{"alias/k8s"}, clock_);
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Start(const std::string& address) {
    auto addr = SocketAddress::Parse(address);
    ASSERT_TRUE(addr.has_value()) << addr.error().message;
    auto server = PluginServer::Start(*plugin_, PluginServer::Options{*addr});
    ASSERT_TRUE(server.has_value()) << server.error().message;
    server_ = std::move(*server);
    ::grpc::ChannelArguments args;
    args.SetString(GRPC_ARG_DEFAULT_AUTHORITY, "localhost");
    channel_ =
        ::grpc::CreateCustomChannel(addr->GrpcTarget(), ::grpc::InsecureChannelCredentials(), args);
    stub_ = v2::KeyManagementService::NewStub(channel_);
  }

  static void Prepare(::grpc::ClientContext& ctx) {
    ctx.set_wait_for_ready(true);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
  }

  std::string dir_, socket_;
  FakeKms kms_;
  coffer::testing::FakeClock clock_;
  std::unique_ptr<KmsPlugin> plugin_;
  std::unique_ptr<PluginServer> server_;
  std::shared_ptr<::grpc::Channel> channel_;
  std::unique_ptr<v2::KeyManagementService::Stub> stub_;
};

TEST_F(KmsV2ServiceTest, StatusEncryptDecryptOverTheSocket) {
  Start("unix://" + socket_);
  ::grpc::ClientContext sctx;
  Prepare(sctx);
  v2::StatusResponse status;
  ASSERT_TRUE(stub_->Status(&sctx, v2::StatusRequest(), &status).ok());
  EXPECT_EQ(status.version(), "v2");
  EXPECT_EQ(status.healthz(), "ok");
  EXPECT_EQ(status.key_id(), kms_.key_arn() + ":v1");

  ::grpc::ClientContext ectx;
  Prepare(ectx);
  v2::EncryptRequest ereq;
  ereq.set_plaintext(std::string(32, '\x07'));
  ereq.set_uid("5f1c5bb3-2f5e-4b8f-9a43-0c1f8a6d1e01");
  v2::EncryptResponse eres;
  ::grpc::Status es = stub_->Encrypt(&ectx, ereq, &eres);
  ASSERT_TRUE(es.ok()) << es.error_message();
  EXPECT_EQ(eres.key_id(), status.key_id());
  EXPECT_FALSE(eres.ciphertext().empty());
  EXPECT_LE(eres.ciphertext().size(), 1024u);
  EXPECT_EQ(eres.annotations_size(), 0);

  ::grpc::ClientContext dctx;
  Prepare(dctx);
  v2::DecryptRequest dreq;
  dreq.set_ciphertext(eres.ciphertext());
  dreq.set_key_id(eres.key_id());
  dreq.set_uid("uid-2");
  (*dreq.mutable_annotations())["version.kms.coffer.dev"] = "1";
  v2::DecryptResponse dres;
  ::grpc::Status ds = stub_->Decrypt(&dctx, dreq, &dres);
  ASSERT_TRUE(ds.ok()) << ds.error_message();
  EXPECT_EQ(dres.plaintext(), std::string(32, '\x07'));

  // Only the owner may connect.
  struct stat st {};
  ASSERT_EQ(::stat(socket_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  server_->Shutdown(milliseconds(100));
  EXPECT_NE(::access(socket_.c_str(), F_OK), 0);  // removed
}

TEST_F(KmsV2ServiceTest, ErrorsBecomeGrpcStatusCodes) {
  Start("unix://" + socket_);
  ::grpc::ClientContext ctx1;
  Prepare(ctx1);
  v2::DecryptRequest bad;
  bad.set_ciphertext("x");
  v2::DecryptResponse out;
  ::grpc::Status s1 = stub_->Decrypt(&ctx1, bad, &out);
  EXPECT_EQ(s1.error_code(), ::grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s1.error_message(), "key_id is empty");

  kms_.SetFailure(UnavailableError("cannot connect to http://127.0.0.1:9: Connection refused"));
  ::grpc::ClientContext ctx2;
  Prepare(ctx2);
  v2::EncryptRequest ereq;
  ereq.set_plaintext("seed");
  v2::EncryptResponse eres;
  ::grpc::Status s2 = stub_->Encrypt(&ctx2, ereq, &eres);
  EXPECT_EQ(s2.error_code(), ::grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(s2.error_message().find("Connection refused"), std::string::npos);

  ::grpc::ClientContext ctx3;
  Prepare(ctx3);
  v2::StatusResponse status;
  ASSERT_TRUE(stub_->Status(&ctx3, v2::StatusRequest(), &status).ok());
  EXPECT_NE(status.healthz(), "ok");
  EXPECT_NE(status.healthz().find("Connection refused"), std::string::npos);
}

TEST_F(KmsV2ServiceTest, OversizedAndMalformedMessagesGetErrors) {
  Start("unix://" + socket_);
  ::grpc::ClientContext ctx1;
  Prepare(ctx1);
  v2::EncryptRequest huge;
  huge.set_plaintext(std::string(size_t{200} * 1024, 'x'));
  v2::EncryptResponse out;
  EXPECT_EQ(stub_->Encrypt(&ctx1, huge, &out).error_code(), ::grpc::StatusCode::RESOURCE_EXHAUSTED);

  // Bytes that are not a DecryptRequest: field 1 as a varint that never ends.
  ::grpc::GenericStub generic(channel_);
  ::grpc::ClientContext ctx2;
  Prepare(ctx2);
  std::string junk("\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11);
  ::grpc::Slice slice(junk);
  ::grpc::ByteBuffer request(&slice, 1), response;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  ::grpc::Status status;
  generic.UnaryCall(&ctx2, "/v2.KeyManagementService/Decrypt", ::grpc::StubOptions(), &request,
                    &response, [&](::grpc::Status s) {
                      std::lock_guard<std::mutex> lock(mu);
                      status = std::move(s);
                      done = true;
                      cv.notify_all();
                    });
  std::unique_lock<std::mutex> lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(5), [&] { return done; }));
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.error_code(), ::grpc::StatusCode::UNAVAILABLE);  // the server is still there

  ::grpc::ClientContext ctx3;
  Prepare(ctx3);
  v2::StatusResponse st;
  EXPECT_TRUE(stub_->Status(&ctx3, v2::StatusRequest(), &st).ok());
}

TEST_F(KmsV2ServiceTest, ServesOnAnAbstractSocket) {
  std::string name = "coffer-kmsv2-test-" + std::to_string(::getpid());
  Start("unix:///@" + name);
  ::grpc::ClientContext ctx;
  Prepare(ctx);
  v2::StatusResponse status;
  ASSERT_TRUE(stub_->Status(&ctx, v2::StatusRequest(), &status).ok());
  EXPECT_EQ(status.healthz(), "ok");
}

TEST_F(KmsV2ServiceTest, ReplacesAStaleSocketButNeverAFile) {
  std::filesystem::create_directories(dir_ + "/run");
  // A stale socket file, as a killed plugin leaves behind.
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", socket_.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0);
  ::close(fd);
  Start("unix://" + socket_);
  ::grpc::ClientContext ctx;
  Prepare(ctx);
  v2::StatusResponse status;
  ASSERT_TRUE(stub_->Status(&ctx, v2::StatusRequest(), &status).ok());
  server_.reset();

  std::string file = dir_ + "/not-a-socket";
  std::ofstream(file) << "keep me";
  auto addr = SocketAddress::Parse("unix://" + file);
  ASSERT_TRUE(addr.has_value());
  auto refused = PluginServer::Start(*plugin_, PluginServer::Options{*addr});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  std::ifstream in(file);
  std::string kept;
  std::getline(in, kept);
  EXPECT_EQ(kept, "keep me");
}

TEST(SocketAddressTest, ParsesTheApiserverEndpointForms) {
  auto file = SocketAddress::Parse("unix:///var/run/coffer/kms.sock");
  ASSERT_TRUE(file.has_value());
  EXPECT_FALSE(file->is_abstract);
  EXPECT_EQ(file->path, "/var/run/coffer/kms.sock");
  EXPECT_EQ(file->GrpcTarget(), "unix:/var/run/coffer/kms.sock");
  EXPECT_EQ(file->ToString(), "unix:///var/run/coffer/kms.sock");
  auto bare = SocketAddress::Parse("/run/kms.sock");
  ASSERT_TRUE(bare.has_value());
  EXPECT_EQ(bare->path, "/run/kms.sock");
  auto abstract = SocketAddress::Parse("unix:///@coffer-kms");
  ASSERT_TRUE(abstract.has_value());
  EXPECT_TRUE(abstract->is_abstract);
  EXPECT_EQ(abstract->GrpcTarget(), "unix-abstract:coffer-kms");
  EXPECT_EQ(abstract->ToString(), "unix:///@coffer-kms");
  for (const std::string& bad :
       {std::string(""), std::string("tcp://127.0.0.1:1"), std::string("unix://relative.sock"),
        std::string("unix:///@"), std::string("unix:///run/"), std::string("kms.sock"),
        "unix:///" + std::string(120, 'a')}) {
    EXPECT_FALSE(SocketAddress::Parse(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace coffer::kmsplugin
