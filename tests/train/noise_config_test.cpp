// A run's "noise" and "run" sections: the --set shorthands resolve to noise model rules beside a
// model file's, and bad values are refused with the key that holds them.
#include <gtest/gtest.h>

#include "tangle/core/error.hpp"
#include "tangle/train/trainer.hpp"

using tangle::Gate;
using tangle::GateMatch;
using tangle::NoiseModel;
using tangle::train::Json;

namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const tangle::ValueError& e) {
    return e.what();
  }
  return "<no ValueError>";
}

}  // namespace

TEST(NoiseConfig, ShorthandsBecomeRulesAndReadoutErrors) {
  const NoiseModel d = tangle::train::noise_from_config(Json{{"depolarizing", 0.01}});
  ASSERT_EQ(d.rules().size(), 1u);
  EXPECT_EQ(d.rules()[0].channel.gate, Gate::Depolarizing);
  EXPECT_EQ(d.rules()[0].channel.strengths, std::vector<double>{0.01});
  EXPECT_EQ(d.rules()[0].gates.kind, GateMatch::Kind::Every);
  EXPECT_FALSE(d.has_readout_error());

  const NoiseModel r = tangle::train::noise_from_config(Json{{"readout", 0.02}});
  EXPECT_TRUE(r.rules().empty());
  EXPECT_DOUBLE_EQ(r.readout_error(5)->p10(), 0.02);
  EXPECT_DOUBLE_EQ(r.readout_error(5)->p01(), 0.02);

  // A model file's rules and readout list, with a shorthand set beside them.
  const Json both = Json::parse(R"({"rules": [{"channel": "bit_flip", "strengths": [0.1], "gates": "one_qubit"}],
                                    "readout": [{"wires": [1], "confusion": [[0.9, 0.2], [0.1, 0.8]]}],
                                    "depolarizing": 0.03, "scale": 2})");
  const NoiseModel m = tangle::train::noise_from_config(both);
  ASSERT_EQ(m.rules().size(), 2u);
  EXPECT_EQ(m.rules()[1].channel.strengths, std::vector<double>{0.03});
  EXPECT_DOUBLE_EQ(m.scale(), 2.0);
  EXPECT_DOUBLE_EQ(m.readout_error(1)->p10(), 0.2) << "scaled by 2";
  EXPECT_FALSE(m.readout_error(0).has_value());
  // The resolved form reads back to the same model (what config.json records).
  EXPECT_EQ(tangle::train::noise_from_config(Json::parse(m.to_json())).to_json(), m.to_json());
}

TEST(NoiseConfig, ErrorsNameTheKey) {
  using tangle::train::noise_from_config;
  EXPECT_NE(error_of([] { noise_from_config(Json::array()); }).find("noise: [] is not an object"), std::string::npos);
  EXPECT_NE(error_of([] { noise_from_config(Json{{"depolarizing", "x"}}); }).find("noise.depolarizing: \"x\" is not a probability"),
            std::string::npos);
  EXPECT_NE(error_of([] { noise_from_config(Json{{"depolarizing", 2}}); }).find("noise.depolarizing: Depolarizing: p = 2"),
            std::string::npos);
  EXPECT_NE(error_of([] { noise_from_config(Json{{"readout", -0.1}}); }).find("noise.readout: readout flip probability"),
            std::string::npos);
  EXPECT_NE(error_of([] { noise_from_config(Json{{"rules", 3}}); }).find("noise model JSON: rules: 3 is not a list"),
            std::string::npos);
  EXPECT_NE(error_of([] { noise_from_config(Json{{"depolarising", 0.1}}); }).find("unknown key \"depolarising\""),
            std::string::npos);
}

TEST(RunConfig, BackendTrajectoriesAndSeed) {
  using tangle::train::check_run_config;
  EXPECT_NO_THROW(check_run_config(Json{{"backend", "trajectories"}, {"trajectories", 10}, {"seed", 3}}));
  EXPECT_NO_THROW(check_run_config(Json{{"backend", "density_matrix"}}));
  EXPECT_NE(error_of([] { check_run_config(Json{{"backend", "gpu"}}); }).find("run.backend: backend \"gpu\" is not one of"),
            std::string::npos);
  EXPECT_NE(error_of([] { check_run_config(Json{{"backend", "mps"}}); }).find("run.backend: mps is not available"),
            std::string::npos);
  EXPECT_NE(error_of([] { check_run_config(Json{{"trajectories", 0}}); }).find("run.trajectories: 0 is not a whole number"),
            std::string::npos);
  EXPECT_NE(error_of([] { check_run_config(Json{{"trajectories", 1.5}}); }).find("run.trajectories: 1.5"),
            std::string::npos);
  EXPECT_NE(error_of([] { check_run_config(Json{{"shots", 100}}); }).find("run: unknown key \"shots\""), std::string::npos);
}
