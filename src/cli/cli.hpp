// The `harbor` command line: every subcommand, `harbor serve` among them.
#pragma once

namespace harbor::cli {

int run(int argc, char** argv);

}  // namespace harbor::cli
