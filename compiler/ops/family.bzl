"""op_family: the targets of one op family folder (compiler/ops/<family>/).

  op_family(
      name = "math",            # The library, linked by //compiler/ops.
      srcs = ["math.cc", ...],  # Sources and internal headers.
      tests = ["math_test.cc"], # One cc_test each, named after the file.
  )

also declares `codegen_samples` (codegen_samples.cc, testonly), collected by
//compiler/ops/testing:all_codegen_samples.
"""

_LIBRARY_DEPS = [
    "//common:status_macros",
    "//compiler/ir",
    "//compiler/ops/core",
    "//compiler/reference:host_tensor",
    "@system_absl//:lib",
]

_TEST_DEPS = [
    "//compiler/ir",
    "//compiler/ops",
    "//compiler/ops/testing:op_check",
    "//compiler/passes",
    "//compiler/reference:host_tensor",
    "@system_absl//:lib",
    "@system_gtest_main//:lib",
]

def op_family(name, srcs, tests, deps = [], test_deps = []):
    native.cc_library(
        name = name,
        srcs = srcs,
        hdrs = [name + ".h"],
        visibility = ["//compiler/ops:__pkg__"],
        deps = _LIBRARY_DEPS + [d for d in deps if d not in _LIBRARY_DEPS],
    )
    for test in tests:
        native.cc_test(
            name = test[:-len(".cc")],
            srcs = [test],
            deps = _TEST_DEPS + [d for d in test_deps if d not in _TEST_DEPS],
        )
    native.cc_library(
        name = "codegen_samples",
        testonly = True,
        srcs = ["codegen_samples.cc"],
        visibility = ["//compiler/ops/testing:__pkg__"],
        deps = [
            "//compiler/ops/testing:codegen_sample",
            "//compiler/ops/testing:op_check",
            "@system_absl//:lib",
        ],
    )
