// `tangle report`, the writing half: one self-contained HTML page (inline CSS, SVG and a few
// lines of script; nothing fetched when it is viewed).
#pragma once

#include <string>

#include "report_runs.hpp"

namespace tangle::cli {

/// The page: a table of the runs (sortable by a click on a header), the learning curves of all
/// runs overlaid (loss, accuracy; energy for VQE runs), and the paths that were skipped.
std::string render_report(const std::string& title, const ReadRuns& runs);

}  // namespace tangle::cli
