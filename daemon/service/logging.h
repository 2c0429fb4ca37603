// SPDX-License-Identifier: GPL-2.0-only
#pragma once

#include <string>

namespace llm::service {

// Where the log goes. Under systemd, when stderr is the journal stream the
// unit gave us (JOURNAL_STREAM names its device and inode), records go to
// journald through spdlog's systemd sink, each with its own priority, so
// `journalctl -p err -u llm-schedd` finds errors. Otherwise stderr, with a
// timestamp.
void setup_logging(const std::string& level);

// True when fd 2 is the stream JOURNAL_STREAM ("DEV:INODE") names. The
// variable alone is not enough: a child of a unit inherits it with its
// stderr redirected elsewhere.
[[nodiscard]] bool stderr_is_journal();

}  // namespace llm::service
