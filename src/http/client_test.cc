#include "http/client.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "http/server.h"

namespace coffer::http {
namespace {

// Answers with the request it saw, as "METHOD TARGET host=<host> body=<body>".
class EchoHandler : public Handler {
 public:
  bool MayBlock(const Request&) const override { return false; }
  Response Handle(Request& request) override {
    Response r;
    r.status = request.Path() == "/missing" ? 404 : 200;
    r.SetHeader("x-echo", "yes");
    r.body = request.method + " " + request.target +
             " host=" + std::string(request.HeaderValue("host")) + " body=" + request.body +
             (request.secure ? " tls" : "");
    return r;
  }
  Response Reject(Rejection) override { return Response{400, {}, "rejected", {}, {}}; }
};

class ClientTest : public ::testing::Test {
 protected:
  void Start(Server::Options o = {}) {
    o.io_threads = 1;
    auto s = Server::Create(o, handler_);
    ASSERT_TRUE(s.has_value()) << s.error().message;
    server_ = std::move(*s);
    server_->Start();
  }
  void TearDown() override {
    if (server_) server_->Drain(std::chrono::seconds(1));
  }
  std::string Base(std::string scheme = "http") {
    return scheme + "://127.0.0.1:" + std::to_string(server_->port());
  }

  EchoHandler handler_;
  std::unique_ptr<Server> server_;
};

TEST(UrlTest, ParsesHostPortAndPath) {
  auto u = ParseUrl("http://127.0.0.1:8700");
  ASSERT_TRUE(u.has_value());
  EXPECT_FALSE(u->tls);
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 8700);
  EXPECT_EQ(u->path, "");
  auto v = ParseUrl("https://[::1]/coffer/");
  ASSERT_TRUE(v.has_value());
  EXPECT_TRUE(v->tls);
  EXPECT_EQ(v->host, "::1");
  EXPECT_EQ(v->port, 443);
  EXPECT_EQ(v->path, "/coffer");
  EXPECT_EQ(v->HostHeader(), "[::1]:443");
  EXPECT_FALSE(ParseUrl("ftp://x").has_value());
  EXPECT_FALSE(ParseUrl("http://:80").has_value());
  EXPECT_FALSE(ParseUrl("http://h:99999").has_value());
}

TEST_F(ClientTest, SendsARequestAndReadsTheResponse) {
  Start();
  auto client = Client::Create(Base());
  ASSERT_TRUE(client.has_value());
  Request req;
  req.method = "POST";
  req.target = "/sys/unseal?x=1";
  req.body = R"({"key":"abc"})";
  auto res = client->Send(req);
  ASSERT_TRUE(res.has_value()) << res.error().message;
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "POST /sys/unseal?x=1 host=127.0.0.1:" + std::to_string(server_->port()) +
                           R"( body={"key":"abc"})");
  bool echo = false;
  for (const Header& h : res->headers) echo |= h.name == "x-echo" && h.value == "yes";
  EXPECT_TRUE(echo);

  req.target = "/missing";
  auto missing = client->Send(req);
  ASSERT_TRUE(missing.has_value());
  EXPECT_EQ(missing->status, 404);
}

TEST_F(ClientTest, KeepsAGivenHostHeader) {
  Start();
  auto client = Client::Create(Base());
  ASSERT_TRUE(client.has_value());
  Request req;
  req.method = "GET";
  req.target = "/";
  req.headers = {{"host", "signed.example:1"}};
  auto res = client->Send(req);
  ASSERT_TRUE(res.has_value());
  EXPECT_NE(res->body.find("host=signed.example:1"), std::string::npos) << res->body;
}

TEST_F(ClientTest, ResponsesOverTheSizeLimitAreRefused) {
  Start();
  ClientOptions options;
  options.max_response_bytes = 1000;
  auto client = Client::Create(Base(), options);
  ASSERT_TRUE(client.has_value());
  Request req;
  req.method = "POST";
  req.target = "/";
  req.body = std::string(900, 'x');  // echoed back with a few dozen bytes more
  auto ok = client->Send(req);
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_GT(ok->body.size(), 900u);
  // Header and body arrive in one read here, which is the case where Boost 1.74's parser used to
  // drop the limit.
  req.body = std::string(2000, 'x');
  auto refused = client->Send(req);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
}

TEST_F(ClientTest, UnreachableServerIsUnavailable) {
  Start();
  uint16_t port = server_->port();
  server_->Drain(std::chrono::seconds(1));
  server_.reset();
  auto client = Client::Create("http://127.0.0.1:" + std::to_string(port));
  ASSERT_TRUE(client.has_value());
  Request req;
  req.method = "GET";
  req.target = "/";
  auto res = client->Send(req);
  ASSERT_FALSE(res.has_value());
  EXPECT_EQ(res.error().code, ErrorCode::kUnavailable);
}

TEST_F(ClientTest, TlsWithTheRightCaSucceedsAndWithoutItFails) {
  char tmpl[] = "/tmp/coffer-client-tls-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::filesystem::path dir(tmpl);
  std::string cert = (dir / "cert.pem").string(), key = (dir / "key.pem").string();
  std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " + key +
      " -out " + cert +
      " -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  Server::Options o;
  o.tls_cert_file = cert;
  o.tls_key_file = key;
  Start(o);
  Request req;
  req.method = "GET";
  req.target = "/hello";

  auto trusted = Client::Create(Base("https"), {cert});
  ASSERT_TRUE(trusted.has_value());
  auto ok = trusted->Send(req);
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_NE(ok->body.find(" tls"), std::string::npos);

  auto untrusted = Client::Create(Base("https"));
  ASSERT_TRUE(untrusted.has_value());
  auto refused = untrusted->Send(req);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
  std::filesystem::remove_all(dir);
}

// Certificates made with the openssl CLI in a temporary directory: a self-signed one for
// 127.0.0.1, one for another host name, and a CA with a leaf for 127.0.0.1 that it signed.
class ThumbprintTest : public ClientTest {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/coffer-client-pin-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    Run("openssl req -x509 " + ec + " -keyout self.key -out self.pem -days 1 -subj /CN=127.0.0.1" +
        " -addext subjectAltName=IP:127.0.0.1");
    Run("openssl req -x509 " + ec +
        " -keyout other.key -out other.pem -days 1 -subj /CN=other.example" +
        " -addext subjectAltName=DNS:other.example");
    Run("openssl req -x509 " + ec + " -keyout ca.key -out ca.pem -days 1 -subj /CN=Coffer-Test-CA");
    Run("openssl req -new " + ec + " -keyout leaf.key -out leaf.csr -subj /CN=127.0.0.1");
    Run("printf 'subjectAltName=IP:127.0.0.1\\nbasicConstraints=CA:FALSE\\n' > leaf.ext");
    Run("openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1"
        " -extfile leaf.ext -out leaf.pem");
    Run("cat leaf.pem ca.pem > chain.pem");
    // A self-signed leaf sent together with the (public) CA certificate it is not signed by.
    Run("cat self.pem ca.pem > forged.pem");
  }
  void TearDown() override {
    ClientTest::TearDown();
    std::filesystem::remove_all(dir_);
  }

  void Run(const std::string& command) {
    std::string cmd = "cd " + dir_.string() + " && (" + command + ") >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << command;
  }
  std::string Path(const std::string& name) { return (dir_ / name).string(); }
  // "SHA1 Fingerprint=AB:CD:…" as the openssl CLI prints it (the client must normalize it).
  std::string Fingerprint(const std::string& pem) {
    Run("openssl x509 -in " + pem + " -noout -fingerprint -sha1 > " + pem + ".sha1");
    std::ifstream in(Path(pem + ".sha1"));
    std::string line;
    std::getline(in, line);
    return line.substr(line.find('=') + 1);
  }
  void Serve(const std::string& cert, const std::string& key) {
    Server::Options o;
    o.tls_cert_file = Path(cert);
    o.tls_key_file = Path(key);
    Start(o);
  }
  Result<Response> Get(std::vector<std::string> thumbprints) {
    if (server_ == nullptr) return InternalError("the server did not start");
    ClientOptions options;
    options.sha1_thumbprints = std::move(thumbprints);
    options.timeout = std::chrono::seconds(5);
    auto client =
        Client::Create("https://127.0.0.1:" + std::to_string(server_->port()), std::move(options));
    if (!client.has_value()) return client.error();
    Request req;
    req.method = "GET";
    req.target = "/pinned";
    return client->Send(req);
  }

  std::filesystem::path dir_;
};

TEST_F(ThumbprintTest, APinnedSelfSignedCertificateIsTrusted) {
  Serve("self.pem", "self.key");
  std::string fingerprint = Fingerprint("self.pem");
  ASSERT_EQ(fingerprint.size(), 59u) << fingerprint;  // 20 bytes as XX:XX:…
  auto ok = Get({"0000000000000000000000000000000000000000", fingerprint});
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_EQ(ok->status, 200);
  EXPECT_NE(ok->body.find(" tls"), std::string::npos);

  auto unpinned = Get({"0000000000000000000000000000000000000000"});
  ASSERT_FALSE(unpinned.has_value());
  EXPECT_EQ(unpinned.error().code, ErrorCode::kUnavailable);
}

TEST_F(ThumbprintTest, APinnedCertificateForAnotherHostIsRefused) {
  Serve("other.pem", "other.key");
  auto refused = Get({Fingerprint("other.pem")});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
}

TEST_F(ThumbprintTest, APinnedIssuerTrustsTheLeavesItSigned) {
  Serve("chain.pem", "leaf.key");
  auto by_ca = Get({Fingerprint("ca.pem")});
  ASSERT_TRUE(by_ca.has_value()) << by_ca.error().message;
  EXPECT_EQ(by_ca->status, 200);
  auto by_leaf = Get({Fingerprint("leaf.pem")});
  ASSERT_TRUE(by_leaf.has_value()) << by_leaf.error().message;
}

TEST_F(ThumbprintTest, SendingThePinnedCertificateBesideAnUnrelatedLeafIsRefused) {
  Serve("forged.pem", "self.key");
  auto refused = Get({Fingerprint("ca.pem")});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace coffer::http
