#ifndef COFFER_CORE_ROTATION_ROTATION_SCHEDULE_H_
#define COFFER_CORE_ROTATION_ROTATION_SCHEDULE_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"

namespace coffer::rotation {

// Error reasons (Error::reason) of Parse; both come with ErrorCode::kInvalidArgument. They are the
// strings of secrets::reason, so the Secrets Manager adapter maps them without knowing this module.
namespace reason {
// A RotationRules member breaks the API model's constraints (range, length, pattern):
// ValidationException, "1 validation error detected: Value ... failed to satisfy constraint: ...".
inline constexpr std::string_view kValidation = "VALIDATION";
// Well-formed on the wire but not a schedule Secrets Manager accepts: InvalidParameterException.
inline constexpr std::string_view kInvalidParameter = "INVALID_PARAMETER";
}  // namespace reason

// RotationRules as the Secrets Manager API carries it (RotationRulesType).
struct RotationRules {
  std::optional<int64_t> automatically_after_days;
  std::optional<std::string> schedule_expression;
  std::optional<std::string> duration;
};

// A validated rotation schedule and its window arithmetic, with AWS Secrets Manager's semantics
// (docs/design/rotation-schedule.md): AutomaticallyAfterDays, rate(N hours|days) and six-field
// cron() expressions, all in UTC, with a rotation window of Duration hours that opens on the hour.
// A value type: immutable once parsed, so concurrent use of const methods is safe.
class RotationSchedule {
 public:
  enum class Kind {
    kAutomaticallyAfterDays,  // N days after the last rotation's UTC day; window from midnight
    kRateDays,                // rate(N days): the same arithmetic as kAutomaticallyAfterDays
    kRateHours,               // rate(N hours): N hours after the last rotation's hour
    kCron,                    // cron(0 H DoM Mon DoW *): every matching hour
  };

  // The last year any window can start in; later ones are reported as absent.
  static constexpr int kLastYear = 2199;

  // Validates `rules` as RotateSecret does. Errors (all kInvalidArgument):
  //   reason::kValidation: AutomaticallyAfterDays outside 1..1000; ScheduleExpression not 1..256
  //     characters of [0-9A-Za-z()#?*-/, ]; Duration not 2..3 characters matching [0-9]+h.
  //   reason::kInvalidParameter: both or neither of AutomaticallyAfterDays and ScheduleExpression;
  //     anything else Secrets Manager refuses (bad rate unit or value, wrong cron field count,
  //     Minutes not 0, Year not *, bad ranges, steps or names, '?' not in exactly one of
  //     Day-of-month and Day-of-week, W, misplaced L or '#', a schedule that never fires or rotates
  //     more often than every four hours, a window outside 1h..24h that runs into the next window
  //     or the next UTC day).
  static Result<RotationSchedule> Parse(const RotationRules& rules);

  Kind kind() const { return kind_; }
  // The length of every rotation window: Duration, else 1h for schedules in hours and the rest of
  // the UTC day for schedules in days.
  std::chrono::seconds window() const { return window_; }

  // The start of the first rotation window that opens strictly after `after`. For cron that is the
  // next matching hour; for the rate kinds `after` is the last rotation and the answer is N days
  // after its UTC day (00:00) or N hours after its hour. Bounded work; nullopt when no window
  // starts by the end of kLastYear. Times before 1970 count as 1970-01-01T00:00:00Z minus 1 ms.
  std::optional<Timestamp> NextWindowStart(Timestamp after) const;

  // DescribeSecret's NextRotationDate: the latest moment of the next window (its last second),
  // the window being the one after the last rotation, or after `created` (when the secret was
  // created or rotation turned on) if it never rotated. May lie in the past when rotations were
  // missed, as in AWS. nullopt when NextWindowStart is.
  std::optional<Timestamp> NextRotationDate(std::optional<Timestamp> last_rotated,
                                            Timestamp created) const;

  // The canonical schedule expression: "rate(1 day)", "rate(30 days)" (also for
  // AutomaticallyAfterDays), "rate(12 hours)", "cron(0 8 L * ? *)" (single spaces, upper case).
  std::string ToString() const;

  // RotationRules for DescribeSecret/ListSecrets: the members as given (the expression verbatim,
  // so clients see no drift), plus AutomaticallyAfterDays computed for rate(N days).
  RotationRules ToRotationRules() const;

 private:
  // Cron fields as bit sets.
  struct Cron {
    uint32_t hours = 0;          // bit h: hour h (0-23)
    uint32_t days = 0;           // bit d: day of month d (1-31)
    bool last_day = false;       // L in Day-of-month
    uint32_t months = 0;         // bit m: month m (1-12)
    uint32_t weekdays = 0;       // bit w: weekday w (1 = SUN .. 7 = SAT)
    uint32_t last_weekdays = 0;  // bit w: the last weekday w of the month (wL)
    uint32_t nth[8] = {};        // nth[w] bit n: the n-th weekday w of the month (w#n)
    bool by_weekday = false;     // Day-of-month is '?', so Day-of-week selects the days
  };

  RotationSchedule() = default;
  // Parses the six cron fields (between "cron(" and ")") into cron_ and canonical_; returns the
  // smallest gap in hours between two windows of one day (24 when there is one window a day).
  Result<unsigned> ParseCron(std::string_view inner);
  // The days of month `month` of `year` the cron fields select, as bits 1..31.
  uint32_t CronDays(int year, unsigned month) const;
  std::optional<Timestamp> NextCronStart(Timestamp after) const;

  Kind kind_ = Kind::kAutomaticallyAfterDays;
  int64_t count_ = 0;  // N of the rate kinds
  Cron cron_;
  std::chrono::seconds window_{0};
  std::string canonical_;
  RotationRules rules_;
};

}  // namespace coffer::rotation

#endif  // COFFER_CORE_ROTATION_ROTATION_SCHEDULE_H_
