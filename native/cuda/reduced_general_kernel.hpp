// The general reduced chain's kernel (sgd_reduced_general.cu): its links flattened for the device
// and its launcher. The launch's arrays and host logic are core/reduced/general_launch.hpp's.
#pragma once
#include "../core/activations/activation.hpp"
#include "../core/reduced/general_chunk.hpp"
#include "device_activation.cuh"

namespace loradyn {

// A ChainLink (core/reduced/chain_links.hpp) for the device: its kind, coefficient and Hermite
// order, the teacher's squaring, and for a link of several terms the DevActivation evaluator.
struct DevChainLink {
  int kind;
  double coef;
  int k;
  int squared;
  DevActivation general;
};

// Throws std::invalid_argument (through to_device_activation) when a general link does not fit.
DevChainLink to_dev_chain_link(const Activation& act, bool squared);

void launch_reduced_general(const ReducedGeneralArgs& a, const DevChainLink& student, const DevChainLink& teacher);

}  // namespace loradyn
