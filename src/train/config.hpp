// The trainer's configuration pieces that train(), evaluate() and build() share with
// resolve_config() (config.cpp); the public ones are in include/tangle/train/trainer.hpp.
#pragma once

#include <string>

#include "tangle/train/trainer.hpp"

namespace tangle::train {

/// Checks the "train" section's values (kinds and ranges) before anything is built or written.
void check_train_section(const Json& t);

/// ValueError naming `what` (an option such as "--out") when `text` is not UTF-8: run files are
/// JSON, which holds only UTF-8 text.
void check_utf8(const std::string& text, const std::string& what);

/// The "data" section of a run's configuration for a source, and back.
Json data_config(const DataSource& source);
/// The chosen CSV columns of a "data" section ("label", "features"); ValueError for other keys.
data::CsvColumns columns_of(const Json& d);
/// The source a "data" section names.
DataSource source_of(const Json& d);

/// A run's config.json as train() wrote it; one edited into something else is refused, naming `file`.
void check_saved_config(const Json& config, const std::string& file);

}  // namespace tangle::train
