// The coverage call of a GCC fuzzing build (-fsanitize-coverage=trace-pc) for every binary that is
// not a fuzz target (tests, the CLI, the Python module): weak and empty. A fuzz target links
// coverage_hooks.cpp, whose definitions take precedence. (The integer trace-cmp calls have weak
// defaults in the sanitizer runtime; GCC's floating-point ones, cmpf and cmpd, have none.)
extern "C" {
__attribute__((weak)) void __sanitizer_cov_trace_pc() {}
__attribute__((weak)) void __sanitizer_cov_trace_cmpf(float, float) {}
__attribute__((weak)) void __sanitizer_cov_trace_cmpd(double, double) {}
}
