#include "http/server.h"

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "base/logging.h"
#include "base/secret_bytes.h"
#include "http/internal/request_conversion.h"

namespace coffer::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

class ServerImpl;

// What the server needs from a session regardless of its stream type.
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Runs on the session's executor: close now if idle, else after the current response.
  virtual void OnDrain() = 0;
  virtual void ForceClose() = 0;
  virtual asio::any_io_executor executor() = 0;
};

class ServerImpl final : public Server {
 public:
  ServerImpl(const Options& options, Handler& handler)
      : options_(options),
        handler_(handler),
        workers_(static_cast<size_t>(options.worker_threads)) {}

  Result<void> Init();
  uint16_t port() const override { return port_; }
  void Start() override;
  void Drain(std::chrono::milliseconds grace) override;
  size_t open_connections() const override {
    std::lock_guard lock(sessions_mu_);
    return sessions_.size();
  }

  const Options& options() const { return options_; }
  Handler& handler() { return handler_; }
  asio::thread_pool& workers() { return workers_; }
  bool draining() const { return draining_.load(); }

  void Register(SessionBase* s, std::weak_ptr<SessionBase> w) {
    std::lock_guard lock(sessions_mu_);
    sessions_[s] = std::move(w);
  }
  void Unregister(SessionBase* s) {
    std::lock_guard lock(sessions_mu_);
    sessions_.erase(s);
  }

 private:
  void DoAccept();

  Options options_;
  Handler& handler_;
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards_;
  std::optional<asio::ssl::context> ssl_;
  std::unique_ptr<tcp::acceptor> acceptor_;
  asio::thread_pool workers_;
  std::vector<std::thread> threads_;
  std::atomic<size_t> next_context_{0};
  std::atomic<bool> draining_{false};
  uint16_t port_ = 0;
  mutable std::mutex sessions_mu_;
  std::map<SessionBase*, std::weak_ptr<SessionBase>> sessions_;
};

template <class Stream>
class Session final : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(ServerImpl& server, Stream stream, std::string remote, bool secure)
      : server_(server), stream_(std::move(stream)), remote_(std::move(remote)), secure_(secure) {}
  ~Session() override { server_.Unregister(this); }

  void Start() {
    server_.Register(this, this->shared_from_this());
    if constexpr (std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>) {
      beast::get_lowest_layer(stream_).expires_after(server_.options().header_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return self->Close();
                                self->ReadHeader();
                              });
    } else {
      ReadHeader();
    }
  }

  void OnDrain() override {
    draining_ = true;
    if (idle_) Close();
  }
  void ForceClose() override { Close(); }
  asio::any_io_executor executor() override { return stream_.get_executor(); }

 private:
  void ReadHeader() {
    if (server_.draining()) return Close();
    idle_ = true;
    parser_.emplace();
    parser_->body_limit(server_.options().max_body_bytes);
    parser_->header_limit(static_cast<uint32_t>(server_.options().max_header_bytes));
    beast::get_lowest_layer(stream_).expires_after(server_.options().idle_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    idle_ = false;
    if (ec) return OnReadError(ec);
    beast::get_lowest_layer(stream_).expires_after(server_.options().header_timeout);
    auto& req = parser_->get();
    auto expect = req[bhttp::field::expect];
    if (beast::iequals(expect, "100-continue") && !parser_->is_done()) {
      static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      asio::async_write(stream_, asio::buffer(kContinue),
                        [self = this->shared_from_this()](beast::error_code wec, size_t) {
                          if (wec) return self->Close();
                          self->ReadBody();
                        });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = this->shared_from_this()](beast::error_code ec, size_t) {
                        if (ec) return self->OnReadError(ec);
                        self->Dispatch();
                      });
  }

  void OnReadError(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) return Refuse(Rejection::kBodyTooLarge);
    if (ec == bhttp::error::header_limit) return Refuse(Rejection::kHeadersTooLarge);
    if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::operation_aborted || ec == beast::error::timeout ||
        ec == asio::error::connection_reset) {
      return Close();
    }
    // Any other parse error: the bytes were not HTTP/1.1. Answer once, then close.
    if (ec.category() == beast::http::make_error_code(bhttp::error::bad_target).category()) {
      return Refuse(Rejection::kMalformed);
    }
    Close();
  }

  void Refuse(Rejection why) {
    keep_alive_ = false;
    Write(server_.handler().Reject(why));
  }

  void Dispatch() {
    auto& breq = parser_->get();
    auto req = std::make_shared<Request>();
    internal::ToRequest(breq, *req);
    req->remote_address = remote_;
    req->secure = secure_;
    keep_alive_ = breq.keep_alive();
    version_ = breq.version();
    Handler& handler = server_.handler();
    if (handler.MayBlock(*req)) {
      HandleOnWorker(req);
      return;
    }
    Deliver(req, handler.Handle(*req));
  }

  // Sends `res`, or, when it is provisional, waits for its confirmation first: a confirmed
  // response is sent (or its substitute, when one was filled in meanwhile); an unconfirmed one
  // means its durable write failed, and the request is handled again the blocking way.
  void Deliver(const std::shared_ptr<Request>& req, Response res) {
    if (!res.await) {
      Finish(*req, std::move(res));
      return;
    }
    auto await = std::move(res.await);
    auto pending = std::make_shared<Response>(std::move(res));
    await([self = this->shared_from_this(), req, pending](bool confirmed) mutable {
      asio::dispatch(self->stream_.get_executor(), [self, req, pending, confirmed]() mutable {
        if (!confirmed) {
          req->retry_blocking = true;
          self->HandleOnWorker(req);
          return;
        }
        std::shared_ptr<Response> substitute = std::move(pending->substitute);
        if (substitute && substitute->status != 0) {
          SecureWipe(pending->body.data(), pending->body.size());
          self->Finish(*req, std::move(*substitute));
        } else {
          self->Finish(*req, std::move(*pending));
        }
      });
    });
  }

  void HandleOnWorker(const std::shared_ptr<Request>& req) {
    Handler& handler = server_.handler();
    asio::post(server_.workers(), [self = this->shared_from_this(), req, &handler] {
      auto res = std::make_shared<Response>(handler.Handle(*req));
      asio::dispatch(self->stream_.get_executor(),
                     [self, req, res] { self->Deliver(req, std::move(*res)); });
    });
  }

  // The request may carry secret values; wipe it before its memory is released.
  void Finish(Request& req, Response res) {
    SecureWipe(req.body.data(), req.body.size());
    Write(std::move(res));
  }

  void Write(Response r) {
    res_.emplace();
    res_->version(version_ == 10 ? 10 : 11);
    res_->result(static_cast<unsigned>(r.status));
    for (auto& h : r.headers) res_->insert(h.name, h.value);
    res_->body() = std::move(r.body);
    bool keep = keep_alive_ && !draining_ && !server_.draining();
    res_->keep_alive(keep);
    res_->prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(server_.options().idle_timeout);
    bhttp::async_write(stream_, *res_,
                       [self = this->shared_from_this(), keep](beast::error_code ec, size_t) {
                         // Responses can carry secret values too.
                         std::string& body = self->res_->body();
                         SecureWipe(body.data(), body.size());
                         self->res_.reset();
                         if (ec || !keep) return self->Close();
                         self->ReadHeader();
                       });
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ec;
    auto& sock = beast::get_lowest_layer(stream_).socket();
    sock.shutdown(tcp::socket::shutdown_both, ec);
    sock.close(ec);
  }

  ServerImpl& server_;
  Stream stream_;
  std::string remote_;
  bool secure_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::response<bhttp::string_body>> res_;
  bool keep_alive_ = true;
  unsigned version_ = 11;
  bool idle_ = false;
  bool draining_ = false;
  bool closed_ = false;
};

Result<void> ServerImpl::Init() {
  int n = options_.io_threads > 0
              ? options_.io_threads
              : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 0; i < n; ++i) {
    contexts_.push_back(std::make_unique<asio::io_context>(1));
    guards_.push_back(asio::make_work_guard(*contexts_.back()));
  }
  if (options_.tls_cert_file || options_.tls_key_file) {
    if (!options_.tls_cert_file || !options_.tls_key_file) {
      return InvalidArgumentError("--tls-cert and --tls-key must be given together");
    }
    ssl_.emplace(asio::ssl::context::tls_server);
    beast::error_code ec;
    ssl_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                          asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                          asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use,
                      ec);
    ssl_->use_certificate_chain_file(*options_.tls_cert_file, ec);
    if (ec) return InvalidArgumentError("cannot load the TLS certificate: " + ec.message());
    ssl_->use_private_key_file(*options_.tls_key_file, asio::ssl::context::pem, ec);
    if (ec) return InvalidArgumentError("cannot load the TLS private key: " + ec.message());
  }
  beast::error_code ec;
  auto address = asio::ip::make_address(options_.host, ec);
  if (ec) return InvalidArgumentError("not an IP address: " + options_.host);
  tcp::endpoint ep(address, options_.port);
  acceptor_ = std::make_unique<tcp::acceptor>(*contexts_[0]);
  acceptor_->open(ep.protocol(), ec);
  if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_->bind(ep, ec);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return UnavailableError("cannot listen on " + options_.host + ":" +
                            std::to_string(options_.port) + ": " + ec.message());
  }
  port_ = acceptor_->local_endpoint().port();
  return Ok();
}

void ServerImpl::DoAccept() {
  size_t i = next_context_.fetch_add(1) % contexts_.size();
  // Each io_context runs on exactly one thread, so its executor already serialises a session's
  // handlers; a strand would only add an allocation per operation.
  acceptor_->async_accept(
      contexts_[i]->get_executor(), [this](beast::error_code ec, tcp::socket socket) {
        if (ec) {
          if (ec == asio::error::operation_aborted || draining_) return;
          log::Warn("accept failed", {{"error", ec.message()}});
        } else {
          beast::error_code rec;
          auto ep = socket.remote_endpoint(rec);
          std::string remote = rec ? std::string() : ep.address().to_string();
          socket.set_option(tcp::no_delay(true), rec);
          if (ssl_) {
            std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
                *this,
                beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)), *ssl_),
                std::move(remote), true)
                ->Start();
          } else {
            std::make_shared<Session<beast::tcp_stream>>(
                *this, beast::tcp_stream(std::move(socket)), std::move(remote), false)
                ->Start();
          }
        }
        if (!draining_) DoAccept();
      });
}

void ServerImpl::Start() {
  DoAccept();
  for (auto& ctx : contexts_) {
    threads_.emplace_back([c = ctx.get()] { c->run(); });
  }
}

void ServerImpl::Drain(std::chrono::milliseconds grace) {
  draining_ = true;
  asio::post(*contexts_[0], [this] {
    beast::error_code ec;
    acceptor_->close(ec);
  });
  auto notify = [this](bool force) {
    std::vector<std::shared_ptr<SessionBase>> live;
    {
      std::lock_guard lock(sessions_mu_);
      for (auto& [p, w] : sessions_) {
        if (auto s = w.lock()) live.push_back(std::move(s));
      }
    }
    for (auto& s : live) {
      asio::post(s->executor(), [s, force] { force ? s->ForceClose() : s->OnDrain(); });
    }
  };
  notify(false);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (open_connections() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    notify(false);
  }
  if (open_connections() > 0) notify(true);
  workers_.join();
  for (auto& g : guards_) g.reset();
  auto stop_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (open_connections() > 0 && std::chrono::steady_clock::now() < stop_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (auto& ctx : contexts_) ctx->stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

}  // namespace

Result<std::unique_ptr<Server>> Server::Create(const Options& options, Handler& handler) {
  auto server = std::make_unique<ServerImpl>(options, handler);
  COFFER_RETURN_IF_ERROR(server->Init());
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace coffer::http
