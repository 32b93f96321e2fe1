// kube-apiserver's side of the KMS v2 plugin protocol, for tests/e2e/test_kms_plugin.py: a real
// gRPC client that dials the plugin's unix socket exactly as the apiserver does (authority
// "localhost", wait-for-ready, a deadline per call) and keeps one channel for its whole life,
// across plugin restarts.
//
//   test_kms_plugin_harness unix:///path/kms.sock
//
// Reads one JSON command per line on stdin and writes one JSON answer per line on stdout.
// Binary fields are base64. Every answer has "ok" and, when false, "code" (grpc::StatusCode) and
// "message".
//   {"op":"status"}                         -> {"ok","version","healthz","key_id"}
//   {"op":"encrypt","plaintext","uid"}      -> {"ok","ciphertext","key_id","annotations":{k:b64}}
//   {"op":"decrypt","ciphertext","key_id","annotations","uid"} -> {"ok","plaintext"}
//   {"op":"raw","method","body"}            -> {"ok","body"}  (any bytes to any method)
//   {"op":"seed"}   the apiserver's key_id-change step: Status; Encrypt of a fresh random 32-byte
//                   seed; the checks the apiserver makes on the answer (key_id equal to Status's,
//                   ciphertext 1..1024 bytes, key_id 1..1024 bytes, annotation keys FQDNs, total
//                   annotations < 32 KiB); Decrypt with key_id and annotations; same seed back.
//                   -> {"ok","key_id","ciphertext","annotations","seed"} or {"ok":false,"message"}
// Optional on every command: "timeout_ms" (default 3000, the apiserver's default).
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cctype>
#include <condition_variable>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "base/encoding.h"
#include "crypto/openssl/openssl_random.h"
#include "grpc/proto/kms_v2.grpc.pb.h"

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

std::string Str(const rapidjson::Value& v, const char* name) {
  auto it = v.FindMember(name);
  return it != v.MemberEnd() && it->value.IsString()
             ? std::string(it->value.GetString(), it->value.GetStringLength())
             : std::string();
}

std::string Bytes(const rapidjson::Value& v, const char* name) {
  return coffer::Base64Decode(Str(v, name)).value_or(std::string());
}

void Field(Writer& w, const char* name, const std::string& value) {
  w.Key(name);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void BytesField(Writer& w, const char* name, const std::string& value) {
  Field(w, name, coffer::Base64Encode(value));
}

void Failure(Writer& w, const grpc::Status& s) {
  w.Key("ok");
  w.Bool(false);
  w.Key("code");
  w.Int(static_cast<int>(s.error_code()));
  Field(w, "message", s.error_message());
}

void Failure(Writer& w, const std::string& message) {
  w.Key("ok");
  w.Bool(false);
  w.Key("code");
  w.Int(-1);
  Field(w, "message", message);
}

void Annotations(Writer& w, const google::protobuf::Map<std::string, std::string>& a) {
  w.Key("annotations");
  w.StartObject();
  for (const auto& [k, v] : a) {
    w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
    std::string b64 = coffer::Base64Encode(v);
    w.String(b64.data(), static_cast<rapidjson::SizeType>(b64.size()));
  }
  w.EndObject();
}

// validation.IsFullyQualifiedDomainName: at most 253 bytes, two or more RFC 1123 labels
// (a-z, 0-9, '-' inside, 1..63 bytes each), written independently of the plugin's check.
bool IsFqdn(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  size_t labels = 0, start = 0;
  while (true) {
    size_t dot = name.find('.', start);
    std::string label = name.substr(start, dot == std::string::npos ? dot : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!std::islower(static_cast<unsigned char>(c)) &&
          !std::isdigit(static_cast<unsigned char>(c)) && c != '-') {
        return false;
      }
    }
    ++labels;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return labels >= 2;
}

class Apiserver {
 public:
  explicit Apiserver(const std::string& endpoint) {
    // The apiserver accepts unix:///path and unix:///@name (abstract); gRPC spells the latter
    // unix-abstract:name.
    std::string target = endpoint;
    if (target.rfind("unix:///@", 0) == 0) target = "unix-abstract:" + target.substr(9);
    grpc::ChannelArguments args;
    args.SetString(GRPC_ARG_DEFAULT_AUTHORITY, "localhost");
    // Generous receive limit, so that only the plugin's own limits are tested.
    args.SetMaxReceiveMessageSize(16 << 20);
    args.SetMaxSendMessageSize(16 << 20);
    channel_ = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
    stub_ = v2::KeyManagementService::NewStub(channel_);
  }

  void Prepare(grpc::ClientContext& ctx, int timeout_ms) {
    ctx.set_wait_for_ready(true);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms));
  }

  void Handle(const rapidjson::Document& cmd, Writer& w) {
    std::string op = Str(cmd, "op");
    int timeout_ms = 3000;
    if (auto it = cmd.FindMember("timeout_ms"); it != cmd.MemberEnd() && it->value.IsInt()) {
      timeout_ms = it->value.GetInt();
    }
    w.StartObject();
    if (op == "status") {
      Status(timeout_ms, w);
    } else if (op == "encrypt") {
      v2::EncryptRequest req;
      req.set_plaintext(Bytes(cmd, "plaintext"));
      req.set_uid(Str(cmd, "uid"));
      Encrypt(req, timeout_ms, w);
    } else if (op == "decrypt") {
      v2::DecryptRequest req;
      req.set_ciphertext(Bytes(cmd, "ciphertext"));
      req.set_key_id(Str(cmd, "key_id"));
      req.set_uid(Str(cmd, "uid"));
      if (auto it = cmd.FindMember("annotations"); it != cmd.MemberEnd() && it->value.IsObject()) {
        for (const auto& m : it->value.GetObject()) {
          if (!m.value.IsString()) continue;
          (*req.mutable_annotations())[m.name.GetString()] =
              coffer::Base64Decode(m.value.GetString()).value_or("");
        }
      }
      Decrypt(req, timeout_ms, w);
    } else if (op == "raw") {
      Raw(Str(cmd, "method"), Bytes(cmd, "body"), timeout_ms, w);
    } else if (op == "seed") {
      Seed(timeout_ms, w);
    } else {
      Failure(w, "unknown op " + op);
    }
    w.EndObject();
  }

 private:
  void Status(int timeout_ms, Writer& w) {
    grpc::ClientContext ctx;
    Prepare(ctx, timeout_ms);
    v2::StatusResponse res;
    grpc::Status s = stub_->Status(&ctx, v2::StatusRequest(), &res);
    if (!s.ok()) return Failure(w, s);
    w.Key("ok");
    w.Bool(true);
    Field(w, "version", res.version());
    Field(w, "healthz", res.healthz());
    Field(w, "key_id", res.key_id());
  }

  void Encrypt(const v2::EncryptRequest& req, int timeout_ms, Writer& w) {
    grpc::ClientContext ctx;
    Prepare(ctx, timeout_ms);
    v2::EncryptResponse res;
    grpc::Status s = stub_->Encrypt(&ctx, req, &res);
    if (!s.ok()) return Failure(w, s);
    w.Key("ok");
    w.Bool(true);
    BytesField(w, "ciphertext", res.ciphertext());
    Field(w, "key_id", res.key_id());
    Annotations(w, res.annotations());
  }

  void Decrypt(const v2::DecryptRequest& req, int timeout_ms, Writer& w) {
    grpc::ClientContext ctx;
    Prepare(ctx, timeout_ms);
    v2::DecryptResponse res;
    grpc::Status s = stub_->Decrypt(&ctx, req, &res);
    if (!s.ok()) return Failure(w, s);
    w.Key("ok");
    w.Bool(true);
    BytesField(w, "plaintext", res.plaintext());
  }

  void Raw(const std::string& method, const std::string& body, int timeout_ms, Writer& w) {
    grpc::GenericStub generic(channel_);
    grpc::ClientContext ctx;
    Prepare(ctx, timeout_ms);
    grpc::Slice slice(body);
    grpc::ByteBuffer request(&slice, 1), response;
    std::mutex mu;
    std::condition_variable cv;
    std::optional<grpc::Status> status;
    generic.UnaryCall(&ctx, method, grpc::StubOptions(), &request, &response, [&](grpc::Status s) {
      std::lock_guard<std::mutex> lock(mu);
      status = std::move(s);
      cv.notify_all();
    });
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return status.has_value(); });
    if (!status->ok()) return Failure(w, *status);
    std::vector<grpc::Slice> slices;
    std::string out;
    if (response.Dump(&slices).ok()) {
      for (const auto& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
    w.Key("ok");
    w.Bool(true);
    BytesField(w, "body", out);
  }

  // kube-apiserver's checks on an EncryptResponse (k8s.io/apiserver kmsv2 envelope.go and
  // validation of annotations: RFC 1123 FQDN keys, total size below 32 KiB).
  static std::string ValidateEncryptResponse(const v2::EncryptResponse& res,
                                             const std::string& status_key_id) {
    if (res.ciphertext().empty()) return "encrypted DEK source is empty";
    if (res.ciphertext().size() > 1024) return "encrypted DEK source is larger than 1024 bytes";
    if (res.key_id().empty()) return "keyID is empty";
    if (res.key_id().size() > 1024) return "keyID is larger than 1024 bytes";
    if (res.key_id() != status_key_id) {
      return "keyID from Encrypt (" + res.key_id() + ") does not match Status's (" + status_key_id +
             ")";
    }
    size_t total = 0;
    for (const auto& [k, v] : res.annotations()) {
      if (!IsFqdn(k)) {
        return "annotation key " + k + " is not a fully qualified domain name";
      }
      total += k.size() + v.size();
    }
    if (total > 32 * 1024) return "annotations are larger than 32 KiB";
    return "";
  }

  void Seed(int timeout_ms, Writer& w) {
    grpc::ClientContext sctx;
    Prepare(sctx, timeout_ms);
    v2::StatusResponse status;
    grpc::Status s = stub_->Status(&sctx, v2::StatusRequest(), &status);
    if (!s.ok()) return Failure(w, s);
    if (status.version() != "v2" && status.version() != "v2beta1") {
      return Failure(w, "unsupported version " + status.version());
    }
    if (status.healthz() != "ok") return Failure(w, "unhealthy: " + status.healthz());
    if (status.key_id().empty() || status.key_id().size() > 1024) {
      return Failure(w, "Status key_id is empty or larger than 1024 bytes");
    }
    std::string seed = random_.Bytes(32);  // MinSeedSizeExtendedNonceGCM
    grpc::ClientContext ectx;
    Prepare(ectx, timeout_ms);
    v2::EncryptRequest ereq;
    ereq.set_plaintext(seed);
    ereq.set_uid("harness-seed");
    v2::EncryptResponse eres;
    s = stub_->Encrypt(&ectx, ereq, &eres);
    if (!s.ok()) return Failure(w, s);
    if (std::string why = ValidateEncryptResponse(eres, status.key_id()); !why.empty()) {
      return Failure(w, why);
    }
    grpc::ClientContext dctx;
    Prepare(dctx, timeout_ms);
    v2::DecryptRequest dreq;
    dreq.set_ciphertext(eres.ciphertext());
    dreq.set_key_id(eres.key_id());
    *dreq.mutable_annotations() = eres.annotations();
    dreq.set_uid("harness-seed-check");
    v2::DecryptResponse dres;
    s = stub_->Decrypt(&dctx, dreq, &dres);
    if (!s.ok()) return Failure(w, s);
    if (dres.plaintext() != seed) return Failure(w, "Decrypt returned another seed");
    w.Key("ok");
    w.Bool(true);
    Field(w, "key_id", eres.key_id());
    BytesField(w, "ciphertext", eres.ciphertext());
    Annotations(w, eres.annotations());
    BytesField(w, "seed", seed);
  }

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v2::KeyManagementService::Stub> stub_;
  coffer::crypto::OpensslRandom random_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " unix:///path/kms.sock" << std::endl;
    return 2;
  }
  Apiserver apiserver(argv[1]);
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    rapidjson::Document cmd;
    cmd.Parse(line.c_str());
    rapidjson::StringBuffer buf;
    Writer w(buf);
    if (cmd.HasParseError() || !cmd.IsObject()) {
      w.StartObject();
      Failure(w, "not a JSON object");
      w.EndObject();
    } else {
      apiserver.Handle(cmd, w);
    }
    std::cout << buf.GetString() << std::endl;
  }
  return 0;
}
