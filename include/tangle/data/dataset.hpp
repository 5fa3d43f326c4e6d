/// @file
/// Data sets: real loaders (IDX, CSV), the embedded default set, and transforms.
/// Features are float32 tensors; images are [N, H, W] (or [N, C, H, W]); tables are [N, F].
/// Labels are int64 [N] in 0..n_classes-1.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tangle::data {

/// Labelled samples: features, labels and class names, as the readers and transforms pass them on.
struct Dataset {
  ::torch::Tensor features;               ///< float32 [N, ...] (layouts at the top of this file)
  ::torch::Tensor labels;                 ///< int64 [N]
  std::vector<std::string> class_names;   ///< class c is class_names[c]
  std::string name;                       ///< for messages: a file's name, "digits", "mnist/train"

  /// Number of samples N (0 when the labels are undefined).
  std::int64_t size() const { return labels.defined() ? labels.size(0) : 0; }
  /// Number of classes (the length of class_names).
  std::int64_t n_classes() const { return static_cast<std::int64_t>(class_names.size()); }
  /// Rows `index` (int64 [K]) of features and labels.
  Dataset subset(const ::torch::Tensor& index) const;
};

/// A data set's official training and test parts.
struct Split {
  Dataset train;  ///< the training part
  Dataset test;   ///< the held-out test part
};

// --- readers: every malformed file raises tangle::ValueError naming the file and the problem --

/// An IDX image file (magic 0x00000803, uint8 [N, rows, cols]) and label file (0x00000801, uint8 [N]),
/// gzip-compressed (".gz") or raw; pixel values stay 0..255 as float.
Dataset read_idx(const std::string& images_path, const std::string& labels_path);

/// A folder with the official MNIST file names, each gzip-compressed or raw:
/// train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz],
/// t10k-labels-idx1-ubyte[.gz]. The t10k files are the test split.
Split read_idx_folder(const std::string& dir);

/// Columns of a CSV file chosen by the names of its header line.
struct CsvColumns {
  std::string label;                  ///< the label column; empty: the last column
  std::vector<std::string> features;  ///< the feature columns, in this order; empty: every column but the label
};

/// A CSV file (".gz" allowed) in one of three formats: without header, feature columns then an
/// integer label (digits.csv.gz); with a header line "n_rows,n_features,class names..." then
/// rows of features and an integer label (iris, wine, breast_cancer); or with a header line of
/// column names (every cell a name, e.g. "a,b,label"), where `columns` picks the label and the
/// features by name and the labels may be integers or class names (sorted into classes 0, 1,
/// ...). Naming columns for a file without a header of names is an error. Errors name line and
/// column.
Dataset read_csv(const std::string& path, const CsvColumns& columns = {});

/// The UCI "Optical Recognition of Handwritten Digits" set embedded in the library:
/// 1,797 images [1797, 8, 8], values 0..16, classes "0".."9".
Dataset embedded_digits();

/// A named data set: "digits" (embedded). Unknown names raise ValueError listing the known ones.
Dataset builtin(const std::string& name);
/// The names builtin() accepts ("digits").
std::vector<std::string> builtin_names();

// --- transforms ------------------------------------------------------------------------------

/// Images padded by `amount` pixels on every side with `value`.
Dataset pad(const Dataset& d, std::int64_t amount, float value = 0.0f);
/// Images average-pooled by `factor` x `factor` (H and W must be divisible by it).
Dataset avg_pool(const Dataset& d, std::int64_t factor);
/// (x - mean) / stddev elementwise.
Dataset normalize(const Dataset& d, float mean, float stddev);
/// x / divisor (e.g. 255 for pixels, 16 for digits).
Dataset scale(const Dataset& d, float divisor);
/// [N, ...] -> [N, prod(...)].
Dataset flatten(const Dataset& d);
/// Only the listed classes, relabelled 0..k-1 in the order given; class names follow.
Dataset select_classes(const Dataset& d, const std::vector<std::int64_t>& classes);
/// A seeded shuffle split: `fraction` of the rows (rounded) go to the second part, stratified by
/// class so that every class keeps its proportion.
std::pair<Dataset, Dataset> split(const Dataset& d, double fraction, std::uint64_t seed);

/// Principal components fitted on one data set (the training split only) and applied to any.
struct Pca {
  ::torch::Tensor mean;        ///< float32 [F]: the training features' mean
  ::torch::Tensor components;  ///< float32 [k, F], rows orthonormal, by decreasing variance
  ::torch::Tensor variance;    ///< float32 [k]: explained variance of each component

  /// The `k` leading components of the flattened training features (covariance with n - 1,
  /// each component's largest entry positive). ValueError for fewer than 2 rows, k outside
  /// 1..F, or non-finite features.
  static Pca fit(const Dataset& train, std::int64_t k);
  /// Flattened features projected on the components: [N, k]. ValueError when the Pca is not
  /// fitted or `d` has another number of features.
  Dataset apply(const Dataset& d) const;
};

}  // namespace tangle::data
