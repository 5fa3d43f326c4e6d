// Training progress on stderr: a live bar with rate and ETA on a terminal, plain lines otherwise.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace tangle::train {

class Progress {
 public:
  explicit Progress(bool enabled);
  /// A line of its own (e.g. where the run is written).
  void note(const std::string& text);
  void begin_epoch(std::int64_t epoch, std::int64_t epochs, std::int64_t steps, std::int64_t first_step);
  /// After each optimizer step: steps done in this epoch, running loss, samples/s of the last step.
  void step(std::int64_t done, double loss, double samples_per_s);
  /// Ends the epoch's bar and prints its summary (unless empty).
  void end_epoch(const std::string& summary);

 private:
  void draw(bool force);
  bool enabled_;
  bool tty_;
  std::int64_t epoch_ = 0, epochs_ = 0, steps_ = 0, done_ = 0, first_ = 0;
  double loss_ = 0.0, rate_ = 0.0;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace tangle::train
