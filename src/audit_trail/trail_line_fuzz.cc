// Fuzzes DecodeLine with arbitrary bytes (trail files are untrusted input for the reader and the
// verifier): every input must decode or be rejected, never crash or hang. A decoded event is
// re-encoded, and a decoded digest must survive EncodeDigest → DecodeLine unchanged.
#include <cstdint>
#include <string>

#include "audit_trail/digest.h"
#include "audit_trail/event_codec.h"
#include "base/check.h"
#include "base/strings.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  coffer::Result<coffer::audit_trail::TrailLine> r = coffer::audit_trail::DecodeLine(line);
  if (!r.has_value()) return 0;
  if (r->is_digest()) {
    const std::string again = coffer::audit_trail::EncodeDigest(r->digest());
    coffer::Result<coffer::audit_trail::TrailLine> r2 = coffer::audit_trail::DecodeLine(again);
    COFFER_CHECK(r2.has_value() && r2->is_digest(), "a decoded digest re-encodes");
    COFFER_CHECK(coffer::audit_trail::DigestSigningText(r2->digest()) ==
                     coffer::audit_trail::DigestSigningText(r->digest()),
                 "digest round trip");
    return 0;
  }
  const coffer::audit_trail::EventRecord& e = r->event();
  coffer::audit::Event event;
  event.event_time = e.event_time;
  event.event_id = e.event_id;
  event.event_name = e.event_name;
  event.event_source = e.event_source;
  event.user_identity.user_name = e.username;
  event.resources = e.resources;
  event.request_parameters = std::string(line);
  const std::string encoded = coffer::audit_trail::EncodeEvent(event, e.sequence, e.previous_hash);
  coffer::Result<coffer::audit_trail::TrailLine> back = coffer::audit_trail::DecodeLine(encoded);
  COFFER_CHECK(back.has_value() && !back->is_digest(), "an encoded event decodes");
  COFFER_CHECK(back->event().sequence == e.sequence && back->event().event_time == e.event_time,
               "event round trip");
  // A lone surrogate escape (\udc00) decodes to bytes that are not UTF-8, which the encoder
  // replaces with U+FFFD: only valid text survives unchanged.
  COFFER_CHECK(!coffer::IsValidUtf8(e.event_id) || back->event().event_id == e.event_id,
               "event id round trip");
  return 0;
}
