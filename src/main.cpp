// harbor: the daemon (`harbor serve`) and its command line, one binary.
#include "cli/cli.hpp"

int main(int argc, char** argv) { return harbor::cli::run(argc, argv); }
