// The live state of one lobby visit, for the components: connection, members, readiness, the
// current match and its call. It wires the framework-free pieces together (SignalingClient,
// DeviceManager, CallSession) and dispatches server messages with one switch.

import type { Api } from '../lib/api';
import { CallSession, type RemotePeer } from '../lib/call';
import { CallState, isInCall, nextCallState, type CallEvent } from '../lib/call-state';
import { installDebugHandle } from '../lib/debug';
import { ErrorReason, SwirlError } from '../lib/errors';
import type { DeviceManager } from '../lib/devices';
import { cameraVideo, type OutgoingVideo } from '../lib/blur/controller';
import { HiddenUnreadyWatch, MediaStateReporter, localMedia } from '../lib/media-state';
import { noticeForSocketError } from '../lib/server-notices';
import { safetyMessages, type SafetyChoice } from '../lib/safety';
import { testIceTransportPolicy } from '../lib/test-switches';
import type {
  AnnouncementMessage,
  LobbyInfo,
  LobbyMember,
  LobbyStatusMessage,
  MatchEndedMessage,
  MatchMessage,
  ServerMessage,
  UserStatusMessage,
  WaitingReason,
  WelcomeMessage,
} from '../lib/protocol';
import { ConnectionState, SignalingClient, lobbySocketUrl, type StateChange } from '../lib/signaling';

/** Keep only the newest announcements; older ones scroll away. */
export const MAX_ANNOUNCEMENTS = 10;

/** Refusal codes (from GET /api/lobbies/{id}) that make retrying the socket pointless. */
const FINAL_REFUSALS: ReadonlySet<ErrorReason> = new Set([
  ErrorReason.LobbyNotFound,
  ErrorReason.LobbyClosed,
  ErrorReason.LobbyLocked,
  ErrorReason.LobbyFull,
  ErrorReason.Banned,
  ErrorReason.InvalidToken,
  ErrorReason.MissingToken,
]);

/** Where a tab remembers its call's peer-connection generation, for a reload (CallOptions.resumeGen). */
const GEN_KEY = 'swirl.call-gen';

function rememberGen(matchId: string, gen: number): void {
  if (gen <= rememberedGen(matchId)) return; // a closing call reports 0: keep the highest
  try {
    sessionStorage.setItem(GEN_KEY, JSON.stringify({ matchId, gen }));
  } catch {
    // No sessionStorage (private mode quotas, tests): a reload then starts at generation 1.
  }
}

function rememberedGen(matchId: string): number {
  try {
    const v = JSON.parse(sessionStorage.getItem(GEN_KEY) ?? 'null') as { matchId?: unknown; gen?: unknown } | null;
    return v && v.matchId === matchId && typeof v.gen === 'number' ? v.gen : 0;
  } catch {
    return 0;
  }
}

/** How a call ended for us: a server `match_ended` reason, or `next` / `left` when we ended it. */
export type MatchEndInfo = { reason: string; at: number };

/** Ban length the server put in a refusal ("… you may rejoin in 600 s …"), in seconds. */
export function banSecondsFromMessage(message: string): number | null {
  const m = /rejoin in (\d+) s/.exec(message);
  return m ? Number(m[1]) : null;
}

/** Where bans from kicks are remembered across reloads (IdentityState in the app). */
export type BanMemory = {
  rememberBan(lobbyId: string, untilMs: number): void;
  forgetBan(lobbyId: string): void;
  bannedUntil(lobbyId: string): number | null;
};

export class LobbySession {
  connection = $state<StateChange>({ state: ConnectionState.Idle });
  selfId = $state<string | null>(null);
  lobby = $state<LobbyInfo | null>(null);
  members = $state<LobbyMember[]>([]);
  memberCount = $state(0);
  readyCount = $state(0);
  truncated = $state(false);
  callState = $state<CallState>(CallState.Idle);
  match = $state<MatchMessage | null>(null);
  peers = $state<RemotePeer[]>([]);
  lastMatchEnd = $state<MatchEndInfo | null>(null);
  announcements = $state<AnnouncementMessage[]>([]);
  kicked = $state<{ reason: string; banSeconds: number | null } | null>(null);
  lobbyClosedMessage = $state<string | null>(null);
  notice = $state<string | null>(null);
  /** The last `error` message from the server. */
  lastError = $state<SwirlError | null>(null);
  /** What we say about it (server-notices.ts), until it expires; never the server's own text. */
  serverNotice = $state<{ text: string; reason: string } | null>(null);
  private noticeTimer: ReturnType<typeof setTimeout> | null = null;
  /** The last failed negotiation step of the current call; cleared once every peer is connected. */
  callProblem = $state<SwirlError | null>(null);
  /** Failed negotiation steps during this visit (all calls), for the debug handle and tests. */
  negotiationErrors = $state(0);
  /** The match we told the server `media_flowing` for (window.__swirl shows it to tests). */
  private mediaFlowingMatchId: string | null = null;
  resumeGraceSeconds = $state(20);
  /** The hidden-page rule set us not ready while the page was hidden; shown until dismissed. */
  unreadiedWhileAway = $state(false);
  /** Why we are still waiting (the server's `waiting`); null when not waiting or not told. */
  waitingReason = $state<WaitingReason | null>(null);
  /** Ready members who wait only because they have met everyone free (lobby_status). */
  waitingMetEveryone = $state(0);
  /** "This is my last one": we said `ready:false` during the current call. */
  lastCall = $state(false);
  /** What became of our last report or block (the server's `reported` / `blocked`), until dismissed. */
  safetyNotice = $state<{ kind: 'reported' | 'blocked'; text: string } | null>(null);
  /** Names of the people we asked to block, for the notice when the server confirms. */
  private readonly blockNames = new Map<string, string>();

  private readonly client: SignalingClient;
  private call: CallSession | null = null;
  private iceServers: RTCIceServer[] = [];
  private lastMatchAt: number | null = null;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly mediaReporter = new MediaStateReporter();
  private readonly hiddenWatch = new HiddenUnreadyWatch(
    {
      ready: () => this.ready,
      inCall: () => this.match !== null,
      setNotReady: () => this.setReady(false),
      tellUserOnReturn: () => (this.unreadiedWhileAway = true),
    },
    60_000,
  );

  constructor(
    readonly lobbyId: string,
    token: string,
    private readonly devices: DeviceManager,
    api: Api,
    private readonly bans: BanMemory | null = null,
    /** The video track peers receive: the camera's, or the blurred one (lib/blur/controller.ts). */
    private readonly video: OutgoingVideo = cameraVideo(devices),
  ) {
    this.client = new SignalingClient({
      url: lobbySocketUrl(lobbyId, location),
      token,
      probe: async () => {
        try {
          const lobby = await api.lobby(lobbyId);
          // The server answers 403 banned to a banned caller (caught below); a closed lobby, or
          // a locked one that refused our socket, are the other refusals we can tell apart from
          // a network problem.
          if (lobby.status === 'closed') return { code: ErrorReason.LobbyClosed, message: 'the lobby is closed' };
          if (lobby.status === 'locked') return { code: ErrorReason.LobbyLocked, message: 'the lobby is locked' };
          if (this.bans?.bannedUntil(lobbyId)) return { code: ErrorReason.Banned, message: 'removed by the owner' };
          return null;
        } catch (err) {
          if (err instanceof SwirlError && err.reason === ErrorReason.Banned) {
            // Remember how long, so the page can say it (also after a reload).
            const seconds = banSecondsFromMessage(err.message);
            if (seconds) this.bans?.rememberBan(lobbyId, Date.now() + seconds * 1000);
          }
          if (err instanceof SwirlError && FINAL_REFUSALS.has(err.reason)) return { code: err.reason, message: err.message };
          return null;
        }
      },
    });
    this.unsubscribe.push(
      this.client.on('state', (change) => this.gotState(change)),
      this.client.on('message', (message) => this.gotMessage(message)),
      this.client.on('signalsLost', () => this.call?.restartIce()),
      devices.on('track', ({ kind, track }) => {
        if (kind === 'audio') void this.call?.replaceTrack(kind, track);
      }),
      this.video.on('track', (track) => void this.call?.replaceTrack('video', track)),
      devices.on('notice', (text) => (this.notice = text)),
      devices.on('change', () => this.reportMedia()),
      devices.on('track', () => this.reportMedia()),
    );
    if (typeof window !== 'undefined') {
      installDebugHandle({
        peerConnections: () => this.call?.peerConnections ?? [],
        lastMatchAt: () => this.lastMatchAt,
        lastMatchId: () => this.match?.match_id ?? null,
        connectionState: () => this.client.state,
        selfId: () => this.selfId,
        callState: () => this.callState,
        negotiationErrors: () => this.negotiationErrors,
        callHealth: () => ({ peers: this.call?.health ?? [], events: [...(this.call?.events ?? [])] }),
        mediaFlowingMatchId: () => this.mediaFlowingMatchId,
      });
      const online = () => this.client.retryNow();
      window.addEventListener('online', online);
      this.unsubscribe.push(() => window.removeEventListener('online', online));
      // Closing (or reloading) the tab: the server keeps us only for its short page-close grace,
      // so a reload resumes and a closed tab is gone in seconds, not after the resume grace.
      const pagehide = () => void this.client.send({ type: 'leave', page_closing: true });
      window.addEventListener('pagehide', pagehide);
      this.unsubscribe.push(() => window.removeEventListener('pagehide', pagehide));
    }
    if (typeof document !== 'undefined') {
      const visibility = () => this.hiddenWatch.visibilityChanged(document.hidden);
      document.addEventListener('visibilitychange', visibility);
      this.unsubscribe.push(() => document.removeEventListener('visibilitychange', visibility));
      this.unsubscribe.push(() => this.hiddenWatch.dispose());
      visibility();
    }
  }

  /** Ready and waiting for a match (the Ready button's pressed state). */
  get ready(): boolean {
    return this.callState === CallState.Waiting;
  }

  get inCall(): boolean {
    return isInCall(this.callState);
  }

  connect(): void {
    this.client.connect();
  }

  setReady(ready: boolean): void {
    // Optimistic: the next lobby_status confirms it; if the socket is down the welcome after
    // reconnecting tells the truth anyway.
    if (this.client.send({ type: 'ready', ready })) {
      this.transition({ type: 'ready', ready });
      if (!ready) this.waitingReason = null;
      // A new round of waiting: how the last call ended is old news.
      else this.lastMatchEnd = null;
    }
  }

  /**
   * During a call: "this is my last one" (`ready:false`, kept by the server when the call ends)
   * or back to "more after this one".
   */
  setLastCall(last: boolean): void {
    if (!this.match) return;
    if (this.client.send({ type: 'ready', ready: !last })) this.lastCall = last;
  }

  /** Leaves the lobby on purpose: the server drops us at once (no grace period), then we close. */
  leave(): void {
    this.client.send({ type: 'leave' });
    this.destroy();
  }

  /** Leaves the current call; `next` puts us straight back in the pool. */
  leaveMatch(next: boolean): void {
    this.client.send({ type: 'leave_match', ready: next });
    // Do not wait for match_ended to hang up: the user asked to leave.
    this.endCall(next);
    this.lastMatchEnd = { reason: next ? 'next' : 'left', at: Date.now() };
  }

  /**
   * Reports and/or blocks a person we were matched with (ReportDialog). A block ends the call
   * with them: the server answers `match_ended` `blocked`, then `blocked`. False when the socket
   * is down (nothing was sent).
   */
  reportOrBlock(choice: SafetyChoice, displayName: string): boolean {
    const messages = safetyMessages(choice);
    if (messages.length === 0) return true;
    for (const m of messages) if (!this.client.send(m)) return false;
    if (choice.block) this.blockNames.set(choice.userId, displayName);
    return true;
  }

  dismissSafetyNotice(): void {
    this.safetyNotice = null;
  }

  dismissAnnouncement(a: AnnouncementMessage): void {
    this.announcements = this.announcements.filter((x) => x !== a);
  }

  dismissServerNotice(): void {
    this.setServerNotice(null);
  }

  private setServerNotice(notice: { text: string; reason: string; ttlMs: number } | null): void {
    if (this.noticeTimer !== null) clearTimeout(this.noticeTimer);
    this.noticeTimer = null;
    this.serverNotice = notice ? { text: notice.text, reason: notice.reason } : null;
    if (notice) this.noticeTimer = setTimeout(() => this.setServerNotice(null), notice.ttlMs);
  }

  /** The one-click way back after the hidden-page rule set us not ready. */
  readyAgainAfterAway(): void {
    this.unreadiedWhileAway = false;
    this.setReady(true);
  }

  dismissAwayNotice(): void {
    this.unreadiedWhileAway = false;
  }

  dismissNotice(): void {
    this.notice = null;
  }

  /** Leaves the lobby for good and releases everything. */
  destroy(): void {
    this.setServerNotice(null);
    this.endCall();
    this.transition({ type: 'closed' });
    this.client.disconnect();
    for (const off of this.unsubscribe.splice(0)) off();
    this.client.removeAllListeners();
  }

  private gotState(change: StateChange): void {
    this.connection = change;
    if (change.state === ConnectionState.Closed) {
      this.setServerNotice(null); // the page that replaces the lobby says what happened
      this.endCall();
      this.transition({ type: 'closed' });
    }
  }

  private gotMessage(message: ServerMessage): void {
    switch (message.type) {
      case 'welcome':
        return this.gotWelcome(message);
      case 'lobby_status':
        return this.gotLobbyStatus(message);
      case 'match':
        return this.gotMatch(message);
      case 'match_ended':
        return this.gotMatchEnded(message);
      case 'signal':
        this.call?.handleSignal(message.from, message.data);
        return;
      case 'user_status':
        return this.gotUserStatus(message);
      case 'media_state':
        this.call?.setPeerMedia(message.from, { camera: message.camera, microphone: message.microphone });
        return;
      case 'announcement':
        this.announcements = [...this.announcements, message].slice(-MAX_ANNOUNCEMENTS);
        return;
      case 'kicked':
        this.kicked = { reason: message.reason, banSeconds: message.ban_seconds ?? null };
        if (message.ban_seconds) this.bans?.rememberBan(this.lobbyId, Date.now() + message.ban_seconds * 1000);
        this.endCall();
        this.transition({ type: 'closed' });
        return;
      case 'owner_changed':
        return this.setOwner(message.owner_id);
      case 'lobby_closed':
        this.lobbyClosedMessage = message.message;
        this.endCall();
        this.transition({ type: 'closed' });
        return;
      case 'error': {
        const error = SwirlError.fromServerMessage(message);
        this.lastError = error;
        const notice = noticeForSocketError(error);
        if (notice) this.setServerNotice({ ...notice, reason: error.code });
        return;
      }
      case 'waiting':
        this.waitingReason = this.match ? null : message.reason;
        return;
      case 'reported':
        if (this.safetyNotice?.kind !== 'blocked')
          this.safetyNotice = { kind: 'reported', text: 'Thank you. Your report was sent to the lobby owner.' };
        return;
      case 'blocked': {
        const name = this.blockNames.get(message.user_id) ?? 'That person';
        this.blockNames.delete(message.user_id);
        this.safetyNotice = { kind: 'blocked', text: `${name} is blocked: you will not be matched with them again, in any lobby.` };
        return;
      }
      case 'ice_servers':
        // Kept for the next call, and handed to the current one for its next ICE restart.
        this.iceServers = message.ice_servers;
        this.call?.setIceServers(message.ice_servers);
        return;
    }
  }

  private gotWelcome(welcome: WelcomeMessage): void {
    // Let in: a ban remembered from this lobby was lifted by the owner (or has ended).
    this.bans?.forgetBan(this.lobbyId);
    this.selfId = welcome.user.id;
    this.iceServers = welcome.ice_servers;
    this.lobby = welcome.lobby;
    this.resumeGraceSeconds = welcome.limits?.resume_grace_seconds ?? this.resumeGraceSeconds;
    const hidden = welcome.limits?.hidden_unready_seconds;
    if (typeof hidden === 'number' && hidden > 0) this.hiddenWatch.limitMs = hidden * 1000;
    // A new connection: the server keeps our state across a resume, but say it again anyway.
    this.mediaReporter.reset();
    this.reportMedia();
    this.waitingReason = null; // the server says it again after a resume
    const match = welcome.you.match;
    if (welcome.resumed && match && this.call && this.call.matchId === match.match_id) {
      // The call survived our outage: keep the peer connections as they are.
      return;
    }
    this.endCall(welcome.you.ready);
    // A resumed match without a call of ours: this page replaced one that was in it (a reload).
    if (match) this.startCall(match, welcome.resumed ? rememberedGen(match.match_id) + 1 : undefined);
  }

  /**
   * The lobby has another owner: the server said so (`owner_changed`), this browser handed it
   * over, or it learned it is not the owner ('' when it does not know who is).
   */
  setOwner(ownerId: string): void {
    if (this.lobby) this.lobby = { ...this.lobby, owner_id: ownerId };
  }

  private gotLobbyStatus(status: LobbyStatusMessage): void {
    this.members = status.members;
    this.memberCount = status.member_count;
    this.readyCount = status.ready_count;
    this.truncated = status.truncated;
    this.waitingMetEveryone = status.waiting_met_everyone ?? 0;
    if (this.lobby) this.lobby = { ...this.lobby, status: status.status };
    const me = status.members.find((m) => m.id === this.selfId);
    if (me) this.transition({ type: 'ready', ready: me.ready });
  }

  private gotMatch(match: MatchMessage): void {
    this.lastMatchAt = Date.now();
    this.endCall();
    this.startCall(match);
    this.reportMedia(true);
  }

  /** Sends `media_state` when our camera/microphone changed, or (force) right after a match. */
  private reportMedia(force = false): void {
    const next = this.mediaReporter.next(localMedia(this.devices), force);
    if (next && !this.client.send({ type: 'media_state', ...next })) this.mediaReporter.reset();
  }

  private gotMatchEnded(ended: MatchEndedMessage): void {
    if (this.match && this.match.match_id !== ended.match_id) return; // about a match we already left
    this.endCall(ended.ready);
    if (ended.reason !== 'left') this.lastMatchEnd = { reason: ended.reason, at: Date.now() };
    else if (!this.lastMatchEnd) this.lastMatchEnd = { reason: ended.ready ? 'next' : 'left', at: Date.now() };
  }

  private gotUserStatus(status: UserStatusMessage): void {
    this.call?.setPeerStatus(status.user_id, status.status);
  }

  private startCall(match: MatchMessage, resumeGen?: number): void {
    if (!this.selfId) return;
    this.lastMatchEnd = null;
    this.waitingReason = null;
    this.lastCall = false;
    this.callProblem = null;
    this.match = match;
    const call = new CallSession({
      selfId: this.selfId,
      match,
      iceServers: this.iceServers,
      local: () => ({ audio: this.devices.audioTrack, video: this.video.track }),
      send: (to, data) => void this.client.send({ type: 'signal', to, data }),
      iceTransportPolicy: typeof localStorage !== 'undefined' ? testIceTransportPolicy(localStorage) : undefined,
      resumeGen,
    });
    call.on('change', () => {
      rememberGen(match.match_id, call.maxGen);
      this.peers = call.peers.map((p) => ({ ...p }));
      this.transition({ type: 'peers', peers: this.peers });
    });
    call.on('callEvent', ({ event }) => void this.client.send({ type: 'call_event', match_id: match.match_id, event }));
    // The server ends a match nobody reported media for (no_media): say when ours arrives.
    call.on('mediaFlowing', () => {
      this.mediaFlowingMatchId = match.match_id;
      void this.client.send({ type: 'media_flowing', match_id: match.match_id });
    });
    call.on('error', ({ peerId, error }) => {
      const problem = error instanceof SwirlError ? error : SwirlError.negotiation(peerId, error);
      console.warn('swirl: negotiation step failed', problem);
      this.negotiationErrors += 1;
      this.callProblem = problem;
    });
    this.call = call;
    this.peers = call.peers.map((p) => ({ ...p }));
    this.transition({ type: 'matched' });
  }

  /**
   * Hangs up. `ready` is our readiness afterwards when the server told us (or we asked for
   * it); without it the call state is left to the event that follows (closed, a new match).
   */
  private endCall(ready?: boolean): void {
    const call = this.call;
    this.call = null;
    this.match = null;
    this.peers = [];
    this.lastCall = false;
    call?.close();
    if (ready !== undefined) this.transition({ type: 'call_over', ready });
    if (ready === false) this.waitingReason = null;
  }

  private transition(event: CallEvent): void {
    this.callState = nextCallState(this.callState, event);
    // A failed step that the call got over (everyone connected) or a call that is over needs no notice.
    if (this.callState !== CallState.Connecting && this.callState !== CallState.Reconnecting) this.callProblem = null;
  }
}
