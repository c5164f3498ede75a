// The demo installation's domain and accounts (`harbor serve --demo DIR`), made with the real
// directory so the demo exercises the same code as production.
#pragma once

#include <filesystem>
#include <vector>

#include "core/result.hpp"
#include "server/demo.hpp"

namespace harbor::cli {

// Creates example.test with admin@, alice@ and bob@ on first start, with generated passwords,
// and a DKIM signing key (RSA 2048, selector "demo") that its outgoing mail is signed with.
// On a restart the passwords listed in DIR/demo.json are kept if they still authenticate;
// otherwise a new one is generated and set. The key stays.
Result<server::DemoInstallation> provision_demo_accounts(const std::filesystem::path& data_dir);

}  // namespace harbor::cli
