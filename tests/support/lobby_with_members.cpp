#include "support/lobby_with_members.hpp"

namespace swirl::test {

LobbyWithMembers::LobbyWithMembers(Backend backend, const LobbyOptions& options)
    : server(backend, options.config),
      it(server),
      owner(it.user(options.owner)),
      ada(it.user("Ada")),
      bob(it.user("Bob")),
      lobby(it.create_lobby(owner, options.name, options.group_size, options.settings)) {}

}  // namespace swirl::test
