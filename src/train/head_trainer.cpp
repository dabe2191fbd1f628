#include "train/head_trainer.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "core/errors.h"

namespace tw::train {

using targets::ClassifierHead;
using targets::DenseLayer;
using targets::HeadKind;

namespace {

// Cross-entropy of a logit against a label, computed without overflow.
double logit_loss(double z, bool positive) {
  double y = positive ? 1 : 0;
  return std::max(z, 0.0) - z * y + std::log1p(std::exp(-std::abs(z)));
}

DenseLayer make_layer(int inputs, int outputs, double init_scale, std::mt19937& rng) {
  DenseLayer layer{inputs, outputs, std::vector<float>(static_cast<std::size_t>(inputs) * outputs),
                   std::vector<float>(outputs, 0.f)};
  std::normal_distribution<float> normal(0.f, static_cast<float>(init_scale));
  for (float& w : layer.weights) w = normal(rng);
  return layer;
}

// Adam's moment estimates, shaped like the layers.
struct AdamState {
  std::vector<std::vector<double>> m, v;
  int steps = 0;
};

// A standardised training set.
struct Matrix {
  int cols = 0;
  std::vector<float> values;
  std::vector<bool> labels;
  std::size_t rows() const { return labels.size(); }
  const float* row(std::size_t r) const { return values.data() + r * cols; }
};

class Network {
 public:
  Network(std::vector<DenseLayer> layers, float dropout)
      : layers_(std::move(layers)), dropout_(dropout) {}
  const std::vector<DenseLayer>& layers() const { return layers_; }

  // Logit of one row; with a generator, applies dropout to the hidden layer.
  double forward(const float* x, std::mt19937* rng) {
    input_ = x;
    if (layers_.size() == 1) return dot(layers_[0], 0, x);
    const DenseLayer& hidden = layers_[0];
    hidden_.resize(hidden.outputs);
    keep_.assign(hidden.outputs, 1.f);
    for (int h = 0; h < hidden.outputs; ++h) {
      hidden_[h] = static_cast<float>(std::max(0.0, dot(hidden, h, x)));
      if (rng != nullptr && dropout_ > 0) {
        bool kept = std::uniform_real_distribution<float>(0, 1)(*rng) >= dropout_;
        keep_[h] = kept ? 1.f / (1.f - dropout_) : 0.f;
        hidden_[h] *= keep_[h];
      }
    }
    return dot(layers_[1], 0, hidden_.data());
  }

  // Adds d(loss)/d(params) for the last forward pass, given d(loss)/d(logit).
  void backward(double dz, std::vector<std::vector<double>>& grads) const {
    const DenseLayer& out = layers_.back();
    const float* last_in = layers_.size() == 1 ? input_ : hidden_.data();
    std::vector<double>& g_out = grads.back();
    for (int i = 0; i < out.inputs; ++i) g_out[i] += dz * last_in[i];
    g_out[out.weights.size()] += dz;
    if (layers_.size() == 1) return;
    const DenseLayer& hidden = layers_[0];
    std::vector<double>& g_hidden = grads[0];
    for (int h = 0; h < hidden.outputs; ++h) {
      if (hidden_[h] <= 0) continue;  // ReLU off, or dropped
      double dh = dz * out.weights[h] * keep_[h];
      double* row = g_hidden.data() + static_cast<std::size_t>(h) * hidden.inputs;
      for (int i = 0; i < hidden.inputs; ++i) row[i] += dh * input_[i];
      g_hidden[hidden.weights.size() + h] += dh;
    }
  }

  // grads hold weights then biases per layer, averaged by the caller.
  void adam_step(const std::vector<std::vector<double>>& grads, AdamState& state, double lr,
                 double l2) {
    const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
    ++state.steps;
    const double c1 = 1 - std::pow(b1, state.steps), c2 = 1 - std::pow(b2, state.steps);
    for (std::size_t l = 0; l < layers_.size(); ++l) {
      DenseLayer& layer = layers_[l];
      const std::size_t nw = layer.weights.size();
      for (std::size_t k = 0; k < grads[l].size(); ++k) {
        float& param = k < nw ? layer.weights[k] : layer.bias[k - nw];
        double g = grads[l][k] + (k < nw ? l2 * param : 0.0);
        double& m = state.m[l][k];
        double& v = state.v[l][k];
        m = b1 * m + (1 - b1) * g;
        v = b2 * v + (1 - b2) * g * g;
        param -= static_cast<float>(lr * (m / c1) / (std::sqrt(v / c2) + eps));
      }
    }
  }

  std::vector<std::vector<double>> zero_grads() const {
    std::vector<std::vector<double>> g;
    for (const auto& l : layers_) g.emplace_back(l.weights.size() + l.bias.size(), 0.0);
    return g;
  }

 private:
  static double dot(const DenseLayer& layer, int output, const float* x) {
    const float* w = layer.weights.data() + static_cast<std::size_t>(output) * layer.inputs;
    double sum = layer.bias[output];
    for (int i = 0; i < layer.inputs; ++i) sum += static_cast<double>(w[i]) * x[i];
    return sum;
  }

  std::vector<DenseLayer> layers_;
  float dropout_;
  const float* input_ = nullptr;
  std::vector<float> hidden_;
  std::vector<float> keep_;
};

struct ClassWeights {
  double positive = 1, negative = 1;
  static ClassWeights balanced(const std::vector<bool>& labels) {
    double n = static_cast<double>(labels.size());
    double pos = static_cast<double>(std::count(labels.begin(), labels.end(), true));
    ClassWeights w;
    if (pos > 0 && pos < n) {
      w.positive = n / (2 * pos);
      w.negative = n / (2 * (n - pos));
    }
    return w;
  }
  double of(bool positive) const { return positive ? this->positive : negative; }
};

double mean_loss(Network& net, const Matrix& data) {
  if (data.rows() == 0) return 0;
  ClassWeights w = ClassWeights::balanced(data.labels);
  double sum = 0;
  for (std::size_t r = 0; r < data.rows(); ++r)
    sum += w.of(data.labels[r]) * logit_loss(net.forward(data.row(r), nullptr), data.labels[r]);
  return sum / static_cast<double>(data.rows());
}

Matrix standardised(const std::vector<const Sample*>& rows, const ClassifierHead& stats) {
  Matrix m;
  m.cols = stats.input_size();
  m.values.reserve(rows.size() * m.cols);
  for (const Sample* s : rows) {
    for (int i = 0; i < m.cols; ++i)
      m.values.push_back((s->features[i] - stats.feature_mean[i]) / stats.feature_scale[i]);
    m.labels.push_back(s->positive);
  }
  return m;
}

}  // namespace

std::vector<bool> choose_validation_photos(const std::vector<bool>& photo_positive,
                                           const std::vector<int>& samples_per_photo,
                                           double fraction, unsigned seed) {
  std::vector<bool> held_out(photo_positive.size(), false);
  if (fraction <= 0) return held_out;
  std::mt19937 rng(seed);
  for (bool label : {true, false}) {
    std::vector<std::size_t> usable;
    for (std::size_t i = 0; i < photo_positive.size(); ++i)
      if (photo_positive[i] == label && samples_per_photo[i] > 0) usable.push_back(i);
    const std::string what = label ? "positive" : "negative";
    if (usable.size() < 2)
      throw InputError("--validation", "a validation split needs at least 2 " + what +
                                           " photos that give samples (have " +
                                           std::to_string(usable.size()) +
                                           "); add photos, or train without one (--validation 0)");
    std::shuffle(usable.begin(), usable.end(), rng);
    auto count = static_cast<std::size_t>(std::lround(fraction * usable.size()));
    count = std::clamp<std::size_t>(count, 1, usable.size() - 1);
    for (std::size_t k = 0; k < count; ++k) held_out[usable[k]] = true;
  }
  return held_out;
}

targets::ValidationFigures measure(const std::vector<float>& probabilities,
                                   const std::vector<bool>& labels, float threshold) {
  targets::ValidationFigures f;
  f.measured = true;
  for (std::size_t i = 0; i < probabilities.size(); ++i) {
    bool predicted = probabilities[i] >= threshold;
    if (predicted && labels[i]) ++f.true_positives;
    if (predicted && !labels[i]) ++f.false_positives;
    if (!predicted && labels[i]) ++f.false_negatives;
    if (!predicted && !labels[i]) ++f.true_negatives;
  }
  int predicted = f.true_positives + f.false_positives;
  int actual = f.true_positives + f.false_negatives;
  f.precision = predicted > 0 ? static_cast<double>(f.true_positives) / predicted : 0;
  f.recall = actual > 0 ? static_cast<double>(f.true_positives) / actual : 0;
  f.f1 = f.precision + f.recall > 0 ? 2 * f.precision * f.recall / (f.precision + f.recall) : 0;
  return f;
}

float choose_threshold(const std::vector<float>& probabilities, const std::vector<bool>& labels) {
  std::vector<float> values(probabilities);
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  if (values.empty()) return 0.5f;
  std::vector<float> candidates;
  for (std::size_t i = 0; i + 1 < values.size(); ++i)
    candidates.push_back(0.5f * (values[i] + values[i + 1]));
  candidates.push_back(values.front());  // everything positive
  std::sort(candidates.begin(), candidates.end());
  double best = -1;
  std::vector<float> best_candidates;
  for (float t : candidates) {
    double f1 = measure(probabilities, labels, t).f1;
    if (f1 > best + 1e-12) {
      best = f1;
      best_candidates = {t};
    } else if (std::abs(f1 - best) <= 1e-12) {
      best_candidates.push_back(t);
    }
  }
  if (best <= 0) return 0.5f;
  return best_candidates[best_candidates.size() / 2];
}

TrainedHead train_head(const std::vector<Sample>& samples,
                       const std::vector<bool>& validation_photo, const HeadOptions& options,
                       const EpochProgress& progress) {
  if (samples.empty()) throw InputError("training photos", "they gave no samples");
  const int dims = static_cast<int>(samples.front().features.size());
  std::vector<const Sample*> train_rows, validation_rows;
  for (const auto& s : samples) {
    if (static_cast<int>(s.features.size()) != dims)
      throw std::invalid_argument("samples differ in feature length");
    bool held_out =
        s.photo < static_cast<int>(validation_photo.size()) && validation_photo[s.photo];
    if (!held_out)
      train_rows.push_back(&s);
    else if (!s.augmented)
      validation_rows.push_back(&s);
  }
  auto count_positive = [](const std::vector<const Sample*>& rows) {
    return static_cast<int>(
        std::count_if(rows.begin(), rows.end(), [](auto* s) { return s->positive; }));
  };
  const int train_pos = count_positive(train_rows);
  const int train_neg = static_cast<int>(train_rows.size()) - train_pos;
  if (train_pos == 0 || train_neg == 0)
    throw InputError("training photos", std::string("the training part has no ") +
                                            (train_pos == 0 ? "positive" : "negative") +
                                            " samples");

  // The head's own input transform (unit length), applied once up front.
  std::vector<Sample> prepared_storage;
  if (options.l2_normalize) {
    prepared_storage.reserve(train_rows.size() + validation_rows.size());
    for (auto* rows : {&train_rows, &validation_rows})
      for (const Sample*& s : *rows) {
        prepared_storage.push_back(*s);
        prepared_storage.back().features = targets::l2_normalized(s->features);
      }
    std::size_t k = 0;
    for (auto* rows : {&train_rows, &validation_rows})
      for (const Sample*& s : *rows) s = &prepared_storage[k++];
  }

  TrainedHead out;
  ClassifierHead& head = out.head;
  head.kind = options.kind;
  head.l2_normalize = options.l2_normalize;
  head.dropout = options.kind == HeadKind::mlp ? options.dropout : 0.f;
  // Feature statistics of the training part.
  head.feature_mean.assign(dims, 0.f);
  head.feature_scale.assign(dims, 1.f);
  for (int i = 0; i < dims; ++i) {
    double sum = 0, sum2 = 0;
    for (const Sample* s : train_rows) {
      sum += s->features[i];
      sum2 += static_cast<double>(s->features[i]) * s->features[i];
    }
    double n = static_cast<double>(train_rows.size());
    double mean = sum / n, var = std::max(0.0, sum2 / n - mean * mean);
    head.feature_mean[i] = static_cast<float>(mean);
    head.feature_scale[i] = var > 1e-12 ? static_cast<float>(std::sqrt(var)) : 1.f;
  }
  Matrix train = standardised(train_rows, head);
  Matrix validation = standardised(validation_rows, head);
  const bool has_validation = validation.rows() > 0;

  std::mt19937 rng(options.seed);
  std::vector<DenseLayer> layers;
  if (options.kind == HeadKind::logistic) {
    layers.push_back(make_layer(dims, 1, 0.01, rng));
  } else {
    layers.push_back(make_layer(dims, options.hidden, std::sqrt(2.0 / dims), rng));
    layers.push_back(make_layer(options.hidden, 1, std::sqrt(1.0 / options.hidden), rng));
  }
  Network net(std::move(layers), head.dropout);
  AdamState adam;
  for (auto& g : net.zero_grads()) {
    adam.m.emplace_back(g.size(), 0.0);
    adam.v.emplace_back(g.size(), 0.0);
  }
  const ClassWeights weights = ClassWeights::balanced(train.labels);

  std::vector<std::size_t> order(train.rows());
  std::iota(order.begin(), order.end(), 0);
  std::vector<DenseLayer> best_layers = net.layers();
  double best_loss = INFINITY;
  int best_epoch = 0, epoch = 0;
  for (epoch = 1; epoch <= options.max_epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    double train_loss = 0;
    for (std::size_t start = 0; start < order.size(); start += options.batch_size) {
      std::size_t end = std::min(order.size(), start + options.batch_size);
      auto grads = net.zero_grads();
      for (std::size_t k = start; k < end; ++k) {
        std::size_t r = order[k];
        bool label = train.labels[r];
        double z = net.forward(train.row(r), &rng);
        double p = 1 / (1 + std::exp(-z));
        double w = weights.of(label);
        train_loss += w * logit_loss(z, label);
        net.backward(w * (p - (label ? 1 : 0)), grads);
      }
      const double n = static_cast<double>(end - start);
      for (auto& g : grads)
        for (double& v : g) v /= n;
      net.adam_step(grads, adam, options.learning_rate, options.l2);
    }
    train_loss /= static_cast<double>(train.rows());
    double validation_loss = has_validation ? mean_loss(net, validation) : train_loss;
    if (progress)
      progress({epoch, options.max_epochs, train_loss, has_validation ? validation_loss : 0});
    if (!has_validation) continue;
    if (validation_loss < best_loss - 1e-6) {
      best_loss = validation_loss;
      best_layers = net.layers();
      best_epoch = epoch;
    } else if (epoch - best_epoch >= options.patience) {
      break;
    }
  }
  out.summary.epochs_run = std::min(epoch, options.max_epochs);
  if (has_validation) {
    head.layers = best_layers;
  } else {
    head.layers = net.layers();
    best_epoch = out.summary.epochs_run;
  }
  out.summary.best_epoch = best_epoch;
  out.summary.max_epochs = options.max_epochs;
  out.summary.seed = options.seed;
  out.summary.learning_rate = options.learning_rate;
  out.summary.l2 = options.l2;
  out.summary.train_positive_samples = train_pos;
  out.summary.train_negative_samples = train_neg;
  targets::check_head(head);

  if (!has_validation) {
    out.threshold = 0.5f;
    out.validation.threshold_rule = "0.5 (no validation split)";
    return out;
  }
  // Figures through the same forward pass that scanning runs.
  std::vector<float> probabilities;
  std::vector<bool> labels;
  for (const auto& s : samples) {
    bool held_out =
        s.photo < static_cast<int>(validation_photo.size()) && validation_photo[s.photo];
    if (!held_out || s.augmented) continue;
    probabilities.push_back(head.probability(s.features));
    labels.push_back(s.positive);
  }
  out.threshold = choose_threshold(probabilities, labels);
  out.validation = measure(probabilities, labels, out.threshold);
  out.validation.loss = best_loss;
  out.validation.threshold_rule = "best F1 on the validation photos (middle of the best range)";
  return out;
}

targets::ValidationFigures cross_validate(const std::vector<Sample>& samples,
                                          const std::vector<bool>& photo_positive,
                                          const std::vector<int>& samples_per_photo, int folds,
                                          const HeadOptions& options) {
  if (folds < 2) throw InputError("--folds", "cross-validation needs at least 2 folds");
  std::vector<int> fold_of(photo_positive.size(), -1);
  std::mt19937 rng(options.seed + 1);
  for (bool label : {true, false}) {
    std::vector<std::size_t> usable;
    for (std::size_t i = 0; i < photo_positive.size(); ++i)
      if (photo_positive[i] == label && samples_per_photo[i] > 0) usable.push_back(i);
    if (static_cast<int>(usable.size()) < folds + 1)
      throw InputError(
          "--folds", std::to_string(folds) + " folds need at least " + std::to_string(folds + 1) +
                         " " + (label ? "positive" : "negative") +
                         " photos that give samples (have " + std::to_string(usable.size()) + ")");
    std::shuffle(usable.begin(), usable.end(), rng);
    for (std::size_t k = 0; k < usable.size(); ++k)
      fold_of[usable[k]] = static_cast<int>(k % folds);
  }
  targets::ValidationFigures pooled;
  pooled.measured = true;
  for (int fold = 0; fold < folds; ++fold) {
    std::vector<Sample> rest;
    std::vector<const Sample*> scored;
    // Photo indices stay as they are; the fold's photos just have no samples
    // in `rest`, so the inner split never picks them.
    std::vector<int> rest_per_photo(samples_per_photo);
    for (std::size_t i = 0; i < fold_of.size(); ++i)
      if (fold_of[i] == fold) rest_per_photo[i] = 0;
    for (const auto& s : samples) {
      if (fold_of[s.photo] == fold) {
        if (!s.augmented) scored.push_back(&s);
      } else {
        rest.push_back(s);
      }
    }
    std::vector<bool> inner = choose_validation_photos(photo_positive, rest_per_photo,
                                                       options.validation_fraction, options.seed);
    TrainedHead trained = train_head(rest, inner, options);
    std::vector<float> probabilities;
    std::vector<bool> labels;
    for (const Sample* s : scored) {
      probabilities.push_back(trained.head.probability(s->features));
      labels.push_back(s->positive);
    }
    targets::ValidationFigures f = measure(probabilities, labels, trained.threshold);
    pooled.true_positives += f.true_positives;
    pooled.false_positives += f.false_positives;
    pooled.false_negatives += f.false_negatives;
    pooled.true_negatives += f.true_negatives;
  }
  for (std::size_t i = 0; i < fold_of.size(); ++i)
    if (fold_of[i] >= 0) (photo_positive[i] ? pooled.positive_photos : pooled.negative_photos)++;
  int predicted = pooled.true_positives + pooled.false_positives;
  int actual = pooled.true_positives + pooled.false_negatives;
  pooled.precision = predicted > 0 ? static_cast<double>(pooled.true_positives) / predicted : 0;
  pooled.recall = actual > 0 ? static_cast<double>(pooled.true_positives) / actual : 0;
  pooled.f1 = pooled.precision + pooled.recall > 0
                  ? 2 * pooled.precision * pooled.recall / (pooled.precision + pooled.recall)
                  : 0;
  pooled.threshold_rule = std::to_string(folds) +
                          "-fold cross-validation by photo, each fold at its own head's threshold";
  return pooled;
}

}  // namespace tw::train
