// Test helper for imap/protocol unit tests: runs wire text through a CommandReader (accepting
// every synchronising literal, as a session that sent "+ Ready" would) and parse_command().
#pragma once

#include <string_view>

#include "imap/protocol/command.hpp"
#include "imap/protocol/command_reader.hpp"

namespace harbor::imap::test {

inline Result<Command> parse_wire(std::string_view wire, const ParseLimits& limits = {},
                                  ReaderLimits reader_limits = {})
{
    CommandReader reader(reader_limits);
    while (true) {
        const ReadStep step = reader.read(wire);
        wire.remove_prefix(step.consumed);
        switch (step.kind) {
        case ReadStep::Kind::LiteralWanted:
            reader.accept_literal();
            break;
        case ReadStep::Kind::Command:
            return parse_command(reader.take_command(), limits);
        case ReadStep::Kind::Failed:
            return unexpected(Errc::Invalid, "reader: " + reader.failure().reason);
        case ReadStep::Kind::NeedMore:
            if (wire.empty()) {
                return unexpected(Errc::Invalid, "incomplete command");
            }
            break;
        }
    }
}

}  // namespace harbor::imap::test
