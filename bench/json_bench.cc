// Measures the three JSON libraries Debian offers on Coffer's hot path: decoding a typical
// awsJson1_1 request (parse + read members with type checks) and encoding a typical response.
// The result decided the project's JSON library (see README.md, "Dependencies").
#include <benchmark/benchmark.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <simdjson.h>

#include <nlohmann/json.hpp>
#include <string>

namespace {

const std::string kRequest =
    R"({"SecretId":"prod/billing/db-password","VersionStage":"AWSCURRENT",)"
    R"("ClientRequestToken":"6f1c2b51-7a9e-4a8e-9a52-0d8a3c3f0e11",)"
    R"("SecretString":"{\"username\":\"billing\",\"password\":\"Zr8#pQ!x2vLm9Tq4\",\"host\":\"db.internal\",\"port\":5432}",)"
    R"("Tags":[{"Key":"team","Value":"billing"},{"Key":"env","Value":"prod"}]})";

struct Response {
  std::string arn =
      "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/billing/db-password-a1B2c3";
  std::string name = "prod/billing/db-password";
  std::string version = "6f1c2b51-7a9e-4a8e-9a52-0d8a3c3f0e11";
  std::string value =
      R"({"username":"billing","password":"Zr8#pQ!x2vLm9Tq4","host":"db.internal","port":5432})";
  double created = 1795309323.456;
};

void BM_Decode_Nlohmann(benchmark::State& state) {
  for (auto _ : state) {
    auto j = nlohmann::json::parse(kRequest, nullptr, false);
    size_t n = 0;
    if (j.is_object()) {
      auto it = j.find("SecretId");
      if (it != j.end() && it->is_string()) n += it->get_ref<const std::string&>().size();
      it = j.find("SecretString");
      if (it != j.end() && it->is_string()) n += it->get_ref<const std::string&>().size();
      it = j.find("Tags");
      if (it != j.end() && it->is_array()) n += it->size();
    }
    benchmark::DoNotOptimize(n);
  }
}
BENCHMARK(BM_Decode_Nlohmann);

void BM_Decode_RapidJson(benchmark::State& state) {
  for (auto _ : state) {
    rapidjson::Document d;
    d.Parse(kRequest.data(), kRequest.size());
    size_t n = 0;
    if (!d.HasParseError() && d.IsObject()) {
      auto it = d.FindMember("SecretId");
      if (it != d.MemberEnd() && it->value.IsString()) n += it->value.GetStringLength();
      it = d.FindMember("SecretString");
      if (it != d.MemberEnd() && it->value.IsString()) n += it->value.GetStringLength();
      it = d.FindMember("Tags");
      if (it != d.MemberEnd() && it->value.IsArray()) n += it->value.Size();
    }
    benchmark::DoNotOptimize(n);
  }
}
BENCHMARK(BM_Decode_RapidJson);

void BM_Decode_Simdjson(benchmark::State& state) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(kRequest);
  for (auto _ : state) {
    size_t n = 0;
    auto doc = parser.iterate(padded);
    simdjson::ondemand::object obj;
    if (!doc.get_object().get(obj)) {
      for (auto field : obj) {
        std::string_view key;
        if (field.unescaped_key().get(key)) continue;
        if (key == "SecretId" || key == "SecretString") {
          std::string_view v;
          if (!field.value().get_string().get(v)) n += v.size();
        } else if (key == "Tags") {
          simdjson::ondemand::array a;
          if (!field.value().get_array().get(a)) {
            for (auto e : a) {
              (void)e;
              ++n;
            }
          }
        }
      }
    }
    benchmark::DoNotOptimize(n);
  }
}
BENCHMARK(BM_Decode_Simdjson);

void BM_Encode_Nlohmann(benchmark::State& state) {
  Response r;
  for (auto _ : state) {
    nlohmann::json j;
    j["ARN"] = r.arn;
    j["Name"] = r.name;
    j["VersionId"] = r.version;
    j["SecretString"] = r.value;
    j["VersionStages"] = {"AWSCURRENT"};
    j["CreatedDate"] = r.created;
    std::string s = j.dump();
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_Encode_Nlohmann);

void BM_Encode_RapidJson(benchmark::State& state) {
  Response r;
  for (auto _ : state) {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    w.StartObject();
    w.Key("ARN");
    w.String(r.arn.data(), static_cast<rapidjson::SizeType>(r.arn.size()));
    w.Key("Name");
    w.String(r.name.data(), static_cast<rapidjson::SizeType>(r.name.size()));
    w.Key("VersionId");
    w.String(r.version.data(), static_cast<rapidjson::SizeType>(r.version.size()));
    w.Key("SecretString");
    w.String(r.value.data(), static_cast<rapidjson::SizeType>(r.value.size()));
    w.Key("VersionStages");
    w.StartArray();
    w.String("AWSCURRENT");
    w.EndArray();
    w.Key("CreatedDate");
    w.Double(r.created);
    w.EndObject();
    std::string s(sb.GetString(), sb.GetSize());
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_Encode_RapidJson);

// simdjson 3.0 (Debian) has no serializer, so encoding is not measured for it: a second library
// would be needed to write responses.

}  // namespace

BENCHMARK_MAIN();
