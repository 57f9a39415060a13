#pragma once
// The floor for relay costs: a bare Beast WebSocket relay with no application logic. A client
// connects to /peerjs?id=ID&peer=PEER, gets {"type":"OPEN"}, and every text frame it sends is
// written unchanged to PEER's socket (one write per frame, like Swirl and PeerJS). Its system
// CPU per message is what the kernel costs for a read and a write; the relay target compares
// Swirl's against it.

#include <cstdint>

namespace bench {
int run_bare_relay(std::uint16_t port);
}
