// Data set transforms: subsets, padding, pooling, scaling, class selection, stratified split, PCA.
// Every transform returns new tensors: the input data set is never modified nor aliased.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "tangle/core/error.hpp"
#include "tangle/core/memory.hpp"
#include "tangle/core/random.hpp"
#include "tangle/data/dataset.hpp"

namespace tangle::data {

namespace {

using detail::concat;

std::string shape_of(const ::torch::Tensor& t) {
  std::string s = "[";
  for (std::int64_t i = 0; i < t.dim(); ++i) s += concat(i == 0 ? "" : ", ", t.size(i));
  return s + "]";
}

std::string label_of(const Dataset& d) { return d.name.empty() ? std::string("data set") : concat("'", d.name, "'"); }

void check_dataset(const Dataset& d, const char* op) {
  if (!d.features.defined() || !d.labels.defined()) {
    throw ValueError(concat(op, ": ", label_of(d), " has no features or no labels"));
  }
  if (d.features.dim() < 1 || d.labels.dim() != 1 || d.features.size(0) != d.labels.size(0)) {
    throw ValueError(concat(op, ": ", label_of(d), " has features ", shape_of(d.features), " and labels ",
                            shape_of(d.labels), "; they need the same number of rows and labels must be [N]"));
  }
}

void check_images(const Dataset& d, const char* op) {
  check_dataset(d, op);
  if (d.features.dim() != 3 && d.features.dim() != 4) {
    throw ValueError(concat(op, ": needs images [N, H, W] or [N, C, H, W], ", label_of(d), " has features ",
                            shape_of(d.features)));
  }
}

/// Labels as a contiguous int64 CPU vector, checked to lie in 0..n_classes-1.
std::vector<std::int64_t> checked_labels(const Dataset& d, const char* op) {
  const ::torch::Tensor l = d.labels.to(::torch::kCPU, ::torch::kInt64).contiguous();
  const std::int64_t* p = l.data_ptr<std::int64_t>();
  std::vector<std::int64_t> out(p, p + l.numel());
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] < 0 || out[i] >= d.n_classes()) {
      throw ValueError(concat(op, ": row ", i, " of ", label_of(d), " has label ", out[i], " but the data set has ",
                              d.n_classes(), " classes"));
    }
  }
  return out;
}

/// A data set with the same classes and name and the given tensors.
Dataset with(const Dataset& d, ::torch::Tensor features, ::torch::Tensor labels) {
  Dataset out;
  out.features = std::move(features);
  out.labels = std::move(labels);
  out.class_names = d.class_names;
  out.name = d.name;
  return out;
}

/// Features as [N, F] (a copy when the input is not already 2-D).
::torch::Tensor flat(const ::torch::Tensor& x) {
  std::int64_t f = 1;
  for (std::int64_t i = 1; i < x.dim(); ++i) f *= x.size(i);
  return x.reshape({x.size(0), f});
}

::torch::Tensor index_tensor(const std::vector<std::int64_t>& rows) {
  return ::torch::tensor(::torch::ArrayRef<std::int64_t>(rows.data(), rows.size()), ::torch::kInt64);
}

void shuffle(std::vector<std::int64_t>& v, SplitMix64& rng) {
  for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.below(i)]);
}

// --- PCA kernels ---------------------------------------------------------------------------------
// Hand-written rather than torch::matmul: LibTorch may sit on the reference BLAS (Debian's does),
// where X^T X for MNIST takes half a minute. Each output element is computed by one thread in a
// fixed order, so results do not depend on the number of threads.

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define TANGLE_DATA_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define TANGLE_DATA_CLONES
#endif

/// Adds to rows i and i + 1 (if < f) of g [f, f], columns i.., the products of the `padded`
/// (a multiple of 4) rows of b [padded, f].
TANGLE_DATA_CLONES
void gram_rows(const double* b, std::int64_t padded, std::int64_t f, std::int64_t i, double* g) {
  double* g0 = g + i * f;
  double* g1 = i + 1 < f ? g0 + f : nullptr;
  for (std::int64_t r = 0; r < padded; r += 4) {
    const double* x0 = b + r * f;
    const double* x1 = x0 + f;
    const double* x2 = x1 + f;
    const double* x3 = x2 + f;
    const double a0 = x0[i], a1 = x1[i], a2 = x2[i], a3 = x3[i];
    if (g1 != nullptr) {
      const double c0 = x0[i + 1], c1 = x1[i + 1], c2 = x2[i + 1], c3 = x3[i + 1];
      for (std::int64_t j = i; j < f; ++j) {
        const double v0 = x0[j], v1 = x1[j], v2 = x2[j], v3 = x3[j];
        g0[j] += a0 * v0 + a1 * v1 + a2 * v2 + a3 * v3;
        g1[j] += c0 * v0 + c1 * v1 + c2 * v2 + c3 * v3;
      }
    } else {
      for (std::int64_t j = i; j < f; ++j) g0[j] += a0 * x0[j] + a1 * x1[j] + a2 * x2[j] + a3 * x3[j];
    }
  }
}

/// Column means of x [n, f], accumulated in double.
template <typename T>
std::vector<double> column_means(const T* x, std::int64_t n, std::int64_t f) {
  std::vector<double> mean(static_cast<std::size_t>(f), 0.0);
  for (std::int64_t r = 0; r < n; ++r) {
    const T* row = x + r * f;
    for (std::int64_t j = 0; j < f; ++j) mean[j] += static_cast<double>(row[j]);
  }
  for (auto& m : mean) m /= static_cast<double>(n);
  return mean;
}

/// g [f, f] = (x - mean)^T (x - mean) in double, for x [n, f] row-major.
template <typename T>
void centred_gram(const T* x, std::int64_t n, std::int64_t f, const double* mean, double* g) {
  constexpr std::int64_t kChunk = 64;  // rows converted at a time (64 x 784 doubles: 400 kB)
  std::fill(g, g + f * f, 0.0);
  const std::int64_t pairs = (f + 1) / 2;
#pragma omp parallel
  {
    // Every thread converts every chunk and owns the row pairs p = t, t + nt, ...: no barriers.
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    std::vector<double> buf(static_cast<std::size_t>(kChunk * f), 0.0);
    for (std::int64_t r0 = 0; r0 < n && t < pairs; r0 += kChunk) {
      const std::int64_t rows = std::min(kChunk, n - r0);
      const std::int64_t padded = (rows + 3) / 4 * 4;
      for (std::int64_t r = 0; r < padded; ++r) {
        double* dst = buf.data() + r * f;
        if (r < rows) {
          const T* src = x + (r0 + r) * f;
          for (std::int64_t j = 0; j < f; ++j) dst[j] = static_cast<double>(src[j]) - mean[j];
        } else {
          std::fill(dst, dst + f, 0.0);
        }
      }
      for (std::int64_t p = t; p < pairs; p += nt) gram_rows(buf.data(), padded, f, 2 * p, g);
    }
  }
  for (std::int64_t i = 0; i < f; ++i)
    for (std::int64_t j = 0; j < i; ++j) g[i * f + j] = g[j * f + i];
}

/// y [n, k] = (x - mean) components^T, rows in parallel.
template <typename T>
void project(const T* x, std::int64_t n, std::int64_t f, const double* mean, const double* comp, std::int64_t k,
             float* y) {
#pragma omp parallel
  {
    std::vector<double> row(static_cast<std::size_t>(f));
#pragma omp for schedule(static)
    for (std::int64_t r = 0; r < n; ++r) {
      const T* src = x + r * f;
      for (std::int64_t j = 0; j < f; ++j) row[j] = static_cast<double>(src[j]) - mean[j];
      for (std::int64_t c = 0; c < k; ++c) {
        const double* w = comp + c * f;
        double s = 0.0;
        for (std::int64_t j = 0; j < f; ++j) s += w[j] * row[j];
        y[r * k + c] = static_cast<float>(s);
      }
    }
  }
}

/// Flattened features as a contiguous CPU float32 or float64 [N, F] tensor (a view when possible).
::torch::Tensor flat_real(const ::torch::Tensor& features) {
  const ::torch::Tensor x = flat(features).to(::torch::kCPU);
  return (x.scalar_type() == ::torch::kFloat64 ? x : x.to(::torch::kFloat32)).contiguous();
}

}  // namespace

Dataset Dataset::subset(const ::torch::Tensor& index) const {
  check_dataset(*this, "subset");
  if (!index.defined() || index.dim() != 1 || !::torch::isIntegralType(index.scalar_type(), /*includeBool=*/false)) {
    throw ValueError(concat("subset: the index must be an integer tensor [K], got ",
                            index.defined() ? concat(index.scalar_type(), " ", shape_of(index)) : "an undefined one"));
  }
  const ::torch::Tensor idx = index.to(::torch::kCPU, ::torch::kInt64).contiguous();
  const std::int64_t* p = idx.data_ptr<std::int64_t>();
  const std::int64_t n = size();
  for (std::int64_t i = 0; i < idx.numel(); ++i) {
    if (p[i] < 0 || p[i] >= n) {
      throw ValueError(concat("subset: index ", p[i], " (position ", i, ") is out of range for ", label_of(*this),
                              " with ", n, " rows"));
    }
  }
  return with(*this, features.index_select(0, idx.to(features.device())),
              labels.index_select(0, idx.to(labels.device())));
}

Dataset pad(const Dataset& d, std::int64_t amount, float value) {
  check_images(d, "pad");
  TANGLE_CHECK(amount >= 0, "pad: amount must be >= 0, got ", amount);
  if (amount == 0) return with(d, d.features.clone(), d.labels.clone());
  // The padded images' size, checked before LibTorch allocates (or overflows computing) it.
  long double bytes = static_cast<long double>(d.features.numel() / (d.features.size(-2) * d.features.size(-1)));
  for (std::int64_t side : {d.features.size(-2), d.features.size(-1)}) bytes *= static_cast<long double>(side) + 2.0L * amount;
  bytes *= sizeof(float);
  check_allocation(bytes >= 1.8e19L ? ~std::uint64_t{0} : static_cast<std::uint64_t>(bytes), 0,
                   detail::concat("pad: padding the images of ", label_of(d), " by ", amount, " pixels"));
  return with(d, ::torch::constant_pad_nd(d.features, {amount, amount, amount, amount}, value), d.labels.clone());
}

Dataset avg_pool(const Dataset& d, std::int64_t factor) {
  check_images(d, "avg_pool");
  TANGLE_CHECK(factor >= 1, "avg_pool: factor must be >= 1, got ", factor);
  const std::int64_t h = d.features.size(-2), w = d.features.size(-1);
  TANGLE_CHECK(h % factor == 0 && w % factor == 0, "avg_pool: images of ", h, "x", w, " in ", label_of(d),
               " are not divisible by the factor ", factor);
  if (factor == 1) return with(d, d.features.clone(), d.labels.clone());
  std::vector<std::int64_t> shape(d.features.sizes().begin(), d.features.sizes().end() - 2);
  shape.insert(shape.end(), {h / factor, factor, w / factor, factor});
  return with(d, d.features.reshape(shape).mean({-3, -1}), d.labels.clone());
}

Dataset normalize(const Dataset& d, float mean, float stddev) {
  check_dataset(d, "normalize");
  TANGLE_CHECK(std::isfinite(mean), "normalize: mean must be finite, got ", mean);
  TANGLE_CHECK(std::isfinite(stddev) && stddev > 0.0f, "normalize: stddev must be positive and finite, got ", stddev);
  return with(d, (d.features - mean) / stddev, d.labels.clone());
}

Dataset scale(const Dataset& d, float divisor) {
  check_dataset(d, "scale");
  TANGLE_CHECK(std::isfinite(divisor) && divisor != 0.0f, "scale: divisor must be finite and non-zero, got ", divisor);
  return with(d, d.features / divisor, d.labels.clone());
}

Dataset flatten(const Dataset& d) {
  check_dataset(d, "flatten");
  return with(d, flat(d.features).clone(), d.labels.clone());
}

Dataset select_classes(const Dataset& d, const std::vector<std::int64_t>& classes) {
  check_dataset(d, "select_classes");
  TANGLE_CHECK(!classes.empty(), "select_classes: no classes given");
  std::vector<std::int64_t> relabel(static_cast<std::size_t>(d.n_classes()), -1);
  for (std::size_t i = 0; i < classes.size(); ++i) {
    const std::int64_t c = classes[i];
    TANGLE_CHECK(c >= 0 && c < d.n_classes(), "select_classes: class ", c, " is not in ", label_of(d),
                 ", which has classes 0..", d.n_classes() - 1);
    TANGLE_CHECK(relabel[c] < 0, "select_classes: class ", c, " is listed twice");
    relabel[c] = static_cast<std::int64_t>(i);
  }
  const std::vector<std::int64_t> labels = checked_labels(d, "select_classes");
  std::vector<std::int64_t> rows, new_labels;
  std::vector<std::int64_t> count(classes.size(), 0);
  for (std::size_t r = 0; r < labels.size(); ++r) {
    const std::int64_t to = relabel[labels[r]];
    if (to < 0) continue;
    rows.push_back(static_cast<std::int64_t>(r));
    new_labels.push_back(to);
    ++count[to];
  }
  for (std::size_t i = 0; i < classes.size(); ++i) {
    TANGLE_CHECK(count[i] > 0, "select_classes: class ", classes[i], " ('", d.class_names[classes[i]],
                 "') has no rows in ", label_of(d));
  }
  Dataset out;
  out.features = d.features.index_select(0, index_tensor(rows).to(d.features.device()));
  out.labels = index_tensor(new_labels).to(d.labels.device());
  for (const std::int64_t c : classes) out.class_names.push_back(d.class_names[c]);
  out.name = d.name;
  return out;
}

std::pair<Dataset, Dataset> split(const Dataset& d, double fraction, std::uint64_t seed) {
  check_dataset(d, "split");
  TANGLE_CHECK(std::isfinite(fraction) && fraction >= 0.0 && fraction <= 1.0,
               "split: fraction must be in [0, 1], got ", fraction);
  const std::vector<std::int64_t> labels = checked_labels(d, "split");
  const auto k = static_cast<std::size_t>(d.n_classes());
  std::vector<std::vector<std::int64_t>> by_class(k);
  for (std::size_t r = 0; r < labels.size(); ++r) by_class[labels[r]].push_back(static_cast<std::int64_t>(r));

  // Rows per class in the second part: floor of the class's quota, then one more for the classes
  // with the largest remainders (ties: lower class first) until the rounded total is reached.
  const auto total = static_cast<std::int64_t>(std::llround(fraction * static_cast<double>(labels.size())));
  std::vector<std::int64_t> take(k, 0);
  std::vector<std::pair<double, std::size_t>> remainders;
  std::int64_t assigned = 0;
  for (std::size_t c = 0; c < k; ++c) {
    const double quota = fraction * static_cast<double>(by_class[c].size());
    take[c] = std::min(static_cast<std::int64_t>(std::floor(quota)), static_cast<std::int64_t>(by_class[c].size()));
    assigned += take[c];
    if (take[c] < static_cast<std::int64_t>(by_class[c].size())) remainders.emplace_back(quota - std::floor(quota), c);
  }
  std::stable_sort(remainders.begin(), remainders.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::size_t i = 0; assigned < total && i < remainders.size(); ++i, ++assigned) ++take[remainders[i].second];

  SplitMix64 rng(seed);
  std::vector<std::int64_t> first, second;
  for (std::size_t c = 0; c < k; ++c) {
    std::vector<std::int64_t>& rows = by_class[c];
    shuffle(rows, rng);
    second.insert(second.end(), rows.begin(), rows.begin() + take[c]);
    first.insert(first.end(), rows.begin() + take[c], rows.end());
  }
  // Mix the classes within each part.
  shuffle(first, rng);
  shuffle(second, rng);
  return {d.subset(index_tensor(first)), d.subset(index_tensor(second))};
}

Pca Pca::fit(const Dataset& train, std::int64_t k) {
  check_dataset(train, "Pca::fit");
  const ::torch::Tensor x = flat_real(train.features);
  const std::int64_t n = x.size(0), f = x.size(1);
  TANGLE_CHECK(n >= 2, "Pca::fit: needs at least 2 rows, ", label_of(train), " has ", n);
  TANGLE_CHECK(k >= 1 && k <= f, "Pca::fit: k must be in 1..", f, " (the number of features), got ", k);

  const auto opts = ::torch::TensorOptions().dtype(::torch::kFloat64);
  ::torch::Tensor mean = ::torch::empty({f}, opts);
  ::torch::Tensor cov = ::torch::empty({f, f}, opts);
  const auto fill = [&](const auto* data) {
    const std::vector<double> m = column_means(data, n, f);
    for (std::int64_t j = 0; j < f; ++j) {
      TANGLE_CHECK(std::isfinite(m[j]), "Pca::fit: feature ", j, " of ", label_of(train),
                   " has NaN or infinite values");
    }
    std::copy(m.begin(), m.end(), mean.data_ptr<double>());
    centred_gram(data, n, f, m.data(), cov.data_ptr<double>());
  };
  if (x.scalar_type() == ::torch::kFloat64) {
    fill(x.data_ptr<double>());
  } else {
    fill(x.data_ptr<float>());
  }
  cov /= static_cast<double>(n - 1);

  auto [values, vectors] = ::torch::linalg_eigh(cov);  // ascending eigenvalues, eigenvectors in columns
  const ::torch::Tensor order = ::torch::arange(f - 1, f - 1 - k, -1, ::torch::kInt64);
  ::torch::Tensor components = vectors.index_select(1, order).t().contiguous();  // [k, F]
  // Sign convention: the entry of largest magnitude (the first one on ties) is positive.
  auto acc = components.accessor<double, 2>();
  for (std::int64_t i = 0; i < k; ++i) {
    std::int64_t best = 0;
    for (std::int64_t j = 1; j < f; ++j) {
      if (std::abs(acc[i][j]) > std::abs(acc[i][best])) best = j;
    }
    if (acc[i][best] < 0) {
      for (std::int64_t j = 0; j < f; ++j) acc[i][j] = -acc[i][j];
    }
  }
  Pca p;
  p.mean = mean.to(::torch::kFloat32);
  p.components = components.to(::torch::kFloat32);
  p.variance = values.index_select(0, order).clamp_min(0.0).to(::torch::kFloat32);
  return p;
}

Dataset Pca::apply(const Dataset& d) const {
  check_dataset(d, "Pca::apply");
  TANGLE_CHECK(mean.defined() && components.defined() && components.dim() == 2 && mean.dim() == 1 &&
                   components.size(1) == mean.size(0),
               "Pca::apply: the Pca is not fitted (use Pca::fit)");
  const ::torch::Tensor x = flat_real(d.features);
  const std::int64_t n = x.size(0), f = x.size(1), k = components.size(0);
  TANGLE_CHECK(f == mean.size(0), "Pca::apply: fitted on ", mean.size(0), " features but ", label_of(d), " has ", f,
               " (features ", shape_of(d.features), ")");
  const ::torch::Tensor m = mean.to(::torch::kCPU, ::torch::kFloat64).contiguous();
  const ::torch::Tensor w = components.to(::torch::kCPU, ::torch::kFloat64).contiguous();
  ::torch::Tensor y = ::torch::empty({n, k}, ::torch::kFloat32);
  if (x.scalar_type() == ::torch::kFloat64) {
    project(x.data_ptr<double>(), n, f, m.data_ptr<double>(), w.data_ptr<double>(), k, y.data_ptr<float>());
  } else {
    project(x.data_ptr<float>(), n, f, m.data_ptr<double>(), w.data_ptr<double>(), k, y.data_ptr<float>());
  }
  return with(d, std::move(y), d.labels.clone());
}

}  // namespace tangle::data
