#ifndef COFFER_SERVER_LOG_SINK_H_
#define COFFER_SERVER_LOG_SINK_H_

#include <memory>

#include "base/logging.h"

namespace coffer::server {

// Routes the structured log lines to an asynchronous spdlog logger on stderr.
std::shared_ptr<log::Sink> MakeSpdlogSink();

}  // namespace coffer::server

#endif  // COFFER_SERVER_LOG_SINK_H_
