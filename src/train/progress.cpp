#include "progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace tangle::train {

Progress::Progress(bool enabled) : enabled_(enabled), tty_(::isatty(STDERR_FILENO) != 0) {}

void Progress::note(const std::string& text) {
  if (enabled_) std::fprintf(stderr, "%s\n", text.c_str());
}

void Progress::begin_epoch(std::int64_t epoch, std::int64_t epochs, std::int64_t steps, std::int64_t first_step) {
  epoch_ = epoch;
  epochs_ = epochs;
  steps_ = steps;
  done_ = first_ = first_step;
  rate_ = 0.0;
  start_ = last_draw_ = std::chrono::steady_clock::now();
  draw(true);
}

void Progress::step(std::int64_t done, double loss, double samples_per_s) {
  done_ = done;
  loss_ = loss;
  // A smoothed rate keeps the ETA from jumping with every step.
  rate_ = rate_ == 0.0 ? samples_per_s : 0.9 * rate_ + 0.1 * samples_per_s;
  draw(false);
}

void Progress::draw(bool force) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(now - last_draw_).count();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double per_step = done_ > first_ ? elapsed / static_cast<double>(done_ - first_) : 0.0;
  const double eta = per_step * static_cast<double>(steps_ - done_);
  const int eta_s = static_cast<int>(eta + 0.5);
  if (tty_) {
    if (!force && since < 0.1) return;
    constexpr int kWidth = 30;
    const int filled = steps_ > 0 ? static_cast<int>(kWidth * done_ / steps_) : 0;
    std::string bar;
    for (int i = 0; i < kWidth; ++i) bar += i < filled ? "\u2588" : "\u2591";
    std::fprintf(stderr, "\r\033[Kepoch %lld/%lld %s %3lld%% %lld/%lld  %.0f samples/s  ETA %d:%02d  loss %.4f",
                 static_cast<long long>(epoch_), static_cast<long long>(epochs_), bar.c_str(),
                 static_cast<long long>(steps_ > 0 ? 100 * done_ / steps_ : 0), static_cast<long long>(done_),
                 static_cast<long long>(steps_), rate_, eta_s / 60, eta_s % 60, loss_);
    std::fflush(stderr);
  } else if (since >= 30.0 && done_ < steps_) {
    // Plain output: a line every 30 s of a long epoch, so logs show the run is alive.
    std::fprintf(stderr, "epoch %lld/%lld step %lld/%lld  %.0f samples/s  ETA %d:%02d  loss %.4f\n",
                 static_cast<long long>(epoch_), static_cast<long long>(epochs_), static_cast<long long>(done_),
                 static_cast<long long>(steps_), rate_, eta_s / 60, eta_s % 60, loss_);
  } else {
    return;
  }
  last_draw_ = now;
}

void Progress::end_epoch(const std::string& summary) {
  if (!enabled_) return;
  if (tty_) std::fprintf(stderr, "\r\033[K");
  if (!summary.empty()) std::fprintf(stderr, "%s\n", summary.c_str());
  std::fflush(stderr);
}

}  // namespace tangle::train
