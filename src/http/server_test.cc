#include "http/server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <future>
#include <thread>

namespace coffer::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

class EchoHandler : public Handler {
 public:
  bool MayBlock(const Request& r) const override { return r.Path() == "/slow"; }
  Response Handle(Request& r) override {
    ++handled;
    if (r.Path() == "/slow") {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return release; });
    }
    Response res;
    res.SetHeader("x-method", r.method);
    res.SetHeader("x-remote", r.remote_address);
    res.SetHeader("x-target", r.target);
    res.SetHeader("x-custom", std::string(r.HeaderValue("x-custom")));
    res.body = r.body;
    return res;
  }
  Response Reject(Rejection why) override {
    Response res;
    res.status = why == Rejection::kBodyTooLarge ? 413 : 400;
    res.body = "rejected";
    return res;
  }
  void Release() {
    std::lock_guard lock(mu);
    release = true;
    cv.notify_all();
  }
  std::atomic<int> handled{0};
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
};

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(Server::Options o = {}) {
    o.host = "127.0.0.1";
    o.port = 0;
    o.io_threads = 2;
    o.worker_threads = 4;
    auto s = Server::Create(o, handler_);
    ASSERT_TRUE(s.has_value()) << s.error().message;
    server_ = std::move(s).value();
    server_->Start();
  }
  void TearDown() override {
    handler_.Release();
    if (server_) server_->Drain(std::chrono::milliseconds(500));
  }
  tcp::socket Connect() {
    tcp::socket s(ioc_);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
    return s;
  }
  bhttp::response<bhttp::string_body> RoundTrip(tcp::socket& s,
                                                bhttp::request<bhttp::string_body> req) {
    req.prepare_payload();
    bhttp::write(s, req);
    beast::flat_buffer buf;
    bhttp::response<bhttp::string_body> res;
    bhttp::read(s, buf, res);
    return res;
  }
  static bhttp::request<bhttp::string_body> Post(const std::string& target, std::string body) {
    bhttp::request<bhttp::string_body> req{bhttp::verb::post, target, 11};
    req.set(bhttp::field::host, "localhost");
    req.set("X-Custom", "Value");
    req.body() = std::move(body);
    return req;
  }

  asio::io_context ioc_;
  EchoHandler handler_;
  std::unique_ptr<Server> server_;
};

TEST_F(ServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  StartServer();
  tcp::socket s = Connect();
  for (int i = 0; i < 5; ++i) {
    auto res = RoundTrip(s, Post("/p?q=" + std::to_string(i), "body" + std::to_string(i)));
    EXPECT_EQ(res.result_int(), 200);
    EXPECT_EQ(res.body(), "body" + std::to_string(i));
    EXPECT_EQ(res["x-target"], "/p?q=" + std::to_string(i));
    EXPECT_EQ(res["x-custom"], "Value");  // header names lower-cased for handlers
    EXPECT_EQ(res["x-remote"], "127.0.0.1");
  }
  EXPECT_EQ(handler_.handled.load(), 5);
}

TEST_F(ServerTest, OversizedBodyIsRefusedFromContentLengthAlone) {
  Server::Options o;
  o.max_body_bytes = 1024;
  StartServer(o);
  tcp::socket s = Connect();
  // Announce 10 MB but send nothing: the refusal must not wait for the body.
  std::string head = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10485760\r\n\r\n";
  asio::write(s, asio::buffer(head));
  beast::flat_buffer buf;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(s, buf, res);
  EXPECT_EQ(res.result_int(), 413);
  EXPECT_EQ(res.body(), "rejected");
  EXPECT_EQ(handler_.handled.load(), 0);
}

TEST_F(ServerTest, OversizedHeadersAreRefused) {
  Server::Options o;
  o.max_header_bytes = 512;
  StartServer(o);
  tcp::socket s = Connect();
  auto req = Post("/", "x");
  req.set("X-Big", std::string(2000, 'a'));
  req.prepare_payload();
  bhttp::write(s, req);
  beast::flat_buffer buf;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(s, buf, res);
  EXPECT_EQ(res.result_int(), 400);
}

TEST_F(ServerTest, GarbageGetsABadRequestOrClose) {
  StartServer();
  tcp::socket s = Connect();
  asio::write(s, asio::buffer(std::string("\x01\x02 garbage\r\n\r\n")));
  beast::flat_buffer buf;
  bhttp::response<bhttp::string_body> res;
  beast::error_code ec;
  bhttp::read(s, buf, res, ec);
  if (!ec) {
    EXPECT_EQ(res.result_int(), 400);
  }
  EXPECT_EQ(handler_.handled.load(), 0);
}

// A handler that answers provisionally and confirms (or not) from another thread.
class ProvisionalHandler : public Handler {
 public:
  bool MayBlock(const Request&) const override { return false; }
  Response Handle(Request& r) override {
    Response res;
    res.body = r.retry_blocking ? "blocking-" + r.body : "provisional-" + r.body;
    if (!r.retry_blocking) {
      ++provisional;
      bool confirm = r.body == "ok" || r.body == "refuse";
      if (r.body == "refuse") res.substitute = std::make_shared<Response>();
      res.await = [confirm, substitute = res.substitute](const std::function<void(bool)>& done) {
        std::thread([done, confirm, substitute] {
          // What a handler does when its audit event cannot be written: another answer.
          if (substitute) {
            substitute->status = 503;
            substitute->body = "refused";
          }
          done(confirm);
        }).detach();
      };
    } else {
      ++blocking;
    }
    return res;
  }
  Response Reject(Rejection) override { return Response{400, {}, "rejected", {}, {}}; }
  std::atomic<int> provisional{0}, blocking{0};
};

TEST_F(ServerTest, ProvisionalResponsesAreSentWhenConfirmedSubstitutedOrRetried) {
  ProvisionalHandler handler;
  Server::Options o;
  o.host = "127.0.0.1";
  o.io_threads = 1;
  o.worker_threads = 2;
  auto server = Server::Create(o, handler);
  ASSERT_TRUE(server.has_value());
  (*server)->Start();
  tcp::socket s(ioc_);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), (*server)->port()));
  auto confirmed = RoundTrip(s, Post("/", "ok"));
  EXPECT_EQ(confirmed.body(), "provisional-ok");
  auto retried = RoundTrip(s, Post("/", "lost-race"));
  EXPECT_EQ(retried.body(), "blocking-lost-race");  // handled again, on a worker
  auto substituted = RoundTrip(s, Post("/", "refuse"));
  EXPECT_EQ(substituted.result_int(), 503);
  EXPECT_EQ(substituted.body(), "refused");  // the substitute, not the provisional answer
  EXPECT_EQ(handler.provisional.load(), 3);
  EXPECT_EQ(handler.blocking.load(), 1);
  (*server)->Drain(std::chrono::seconds(2));
}

TEST_F(ServerTest, DrainFinishesInFlightBlockingRequestAndClosesIdle) {
  StartServer();
  tcp::socket idle = Connect();
  RoundTrip(idle, Post("/", "warm"));  // now idle on keep-alive
  tcp::socket busy = Connect();
  auto slow = Post("/slow", "in-flight");
  slow.prepare_payload();
  bhttp::write(busy, slow);
  while (handler_.handled.load() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto drained = std::async(std::launch::async, [&] { server_->Drain(std::chrono::seconds(5)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  handler_.Release();
  beast::flat_buffer buf;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(busy, buf, res);
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "in-flight");
  EXPECT_FALSE(res.keep_alive());
  drained.get();
  server_.reset();
  // The idle connection was closed by the server.
  char c;
  beast::error_code ec;
  idle.read_some(asio::buffer(&c, 1), ec);
  EXPECT_TRUE(ec);
}

}  // namespace
}  // namespace coffer::http
