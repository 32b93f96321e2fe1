#include "core/rotation/rotation_function.h"

namespace coffer::rotation {

std::string_view StepName(Step step) {
  switch (step) {
    case Step::kCreateSecret:
      return "createSecret";
    case Step::kSetSecret:
      return "setSecret";
    case Step::kTestSecret:
      return "testSecret";
    case Step::kFinishSecret:
      return "finishSecret";
  }
  return "createSecret";
}

std::optional<Step> ParseStep(std::string_view name) {
  for (Step s : {Step::kCreateSecret, Step::kSetSecret, Step::kTestSecret, Step::kFinishSecret}) {
    if (StepName(s) == name) return s;
  }
  return std::nullopt;
}

}  // namespace coffer::rotation
