// Package store persists Warroom's incidents, their timelines and the
// bookkeeping around them in Redis. It is the one place that knows the key
// schema below; nothing else in Warroom reads or writes a Redis key.
//
// The store works on a single Redis, on Sentinel and on Redis Cluster
// (through redis.UniversalClient). Every key of one incident carries the
// hash tag {<id>}, so the record and the timeline of an incident live in one
// slot and may be changed together in one MULTI/EXEC under WATCH. Index keys
// live in other slots: they are updated after the incident's transaction,
// idempotently, and every reader tolerates (and repairs) stale entries. The
// incident record is the source of truth; indexes are derived from it.
//
// The store holds no state that another replica would need: counters it
// exports as metrics are per-process (Prometheus sums them across replicas)
// and the open-incidents gauge is read from Redis at scrape time.
//
// # Key schema
//
// All keys start with Options.Prefix (default "warroom:"), shown as <p>.
// The prefix may not contain '{' or '}', so that the incident's hash tag is
// the first one in its keys.
//
//	key                               type    written by                       TTL
//	<p>seq:incident                   string  NextID (INCR)                    none
//	<p>inc:{<id>}                     string  Create, Update (JSON bot.Incident) none
//	<p>inc:{<id>}:timeline            stream  Create, Update, Append (XADD)    none; MAXLEN ~ Options.TimelineMaxLen when > 0
//	<p>inc:{<id>}:curation            list    AppendCuration (RPUSH stream IDs)  none
//	<p>inc:{<id>}:referring           zset    Create (mark), Append and every XADD of an edit, deletion or flag ("<stream ID> <refers_to>"), the newest page's first read of an older incident (fill)  none
//	<p>inc:{<id>}:notable             zset    Create (mark "complete"), every XADD of a notable entry (Notable: its stream ID) or of a message whose ref an earlier one has ("<stream ID> <ref>"), scored by ms  none
//	<p>inc:{<id>}:refs                hash    every XADD of a message with a ref (HSETNX ref → its stream ID: the first message's)  none
//	<p>inc:{<id>}:pm:versions         list    SavePostmortemVersion (RPUSH JSON bot.PostmortemVersion; version n at index n-1)  none
//	<p>inc:{<id>}:pm:tags             string  SetPostmortemTags (JSON bot.PostmortemTags)  none
//	<p>postmortems:published          zset    AddPublished (incident IDs by publication time)  none
//	<p>incidents:all                  zset    Create, Update (ZADD), List      none
//	<p>incidents:open                 zset    Create, Update, List (repair)    none
//	<p>incidents:by:<facet>           zset    Create, Update, Browse (repair), RebuildFacets  none
//	<p>incidents:named:<platform>:<userID> zset Create, Update, RebuildFacets  none
//	<p>incidents:facets               set     Create, Update, RebuildFacets (SADD facet names)  none
//	<p>incidents:facets:built         string  RebuildFacets (the index version)  none
//	<p>channel:<platform>:<channelID> string  Create, Update (SET, compare-and-delete) none
//	<p>seen:<key>                     string  MarkSeen(All) (SET NX)           the ttl given to MarkSeen
//	<p>user:<platform>:<userID>       hash    CacheUser (name, locale, tz)     the ttl given to CacheUser
//	<p>alert:<source>:<digest>        string  ClaimAlert ("pending"), BindAlert (incident ID)  the claim's ttl; none once bound
//	<p>alertq:<source>:<digest>       list    QueueAlert (JSON bot.Alert), DrainAlerts  24h
//	<p>inc:{<id>}:alerts              hash    RecordAlerts (fingerprint → status)  none
//	<p>lease:<name>                   string  Lease (holder)                   the lease's ttl, renewed by its holder
//	<p>search:<token>                 zset    Index (ZINCRBY), Unindex (ZREM)  none
//	<p>inc:{<id>}:terms               set     Index (SADD), Unindex (DEL)      none
//	<p>inc:{<id>}:followups           hash    AddFollowUp, UpdateFollowUp (n → JSON bot.FollowUp)  none
//	<p>followups:open                 zset    AddFollowUp, UpdateFollowUp, OpenFollowUps (repair)  none
//	<p>followups:incidents            zset    AddFollowUp, UpdateFollowUp, RebuildFollowUpIncidents (incident IDs scored by ID)  none
//	<p>followups:incidents:built      string  RebuildFollowUpIncidents (the index version)  none
//	<p>followups:done                 zset    UpdateFollowUp, DoneFollowUps (repair): done, owner not yet asked if it worked; scored by DoneAt  none
//	<p>issues:<tracker>:<key>         string  FileFollowUp, FollowUpByIssue: "<id>:<n>" of the follow-up filed as that issue  none
//	<p>pending:{<id>}                 hash    BeginDeclare, SetPendingChannel, TakeOverDeclaration, EndDeclare (DEL)  none
//	<p>pending                        zset    BeginDeclare (ZADD), EndDeclare, PendingDeclarations (repair)  none
//	<p>alive:<owner>                  string  Heartbeat                        the heartbeat's ttl, renewed by its process
//	<p>overflow:{<owner>}:<shard>     list    Overflow.Push (RPUSH JSON event), Overflow.Pop, AdoptOverflows (LPOP)  none
//	<p>overflow:{<owner>}             set     Overflow.Push (SADD shard), AdoptOverflows (DEL)  none
//	<p>overflows                      set     Overflow.Push (SADD owner), AdoptOverflows (SREM)  none
//	<p>signin:<digest>                string  CreateSignIn (JSON SignIn), ConsumeSignIn (GETDEL)  the link's ttl (10 minutes)
//	<p>session:<digest>               string  CreateSession (JSON Session), DeleteSession  the session's ttl
//	<p>oidc:<digest>                  string  CreateOIDCLogin (JSON OIDCLogin), ConsumeOIDCLogin (GETDEL)  the sign-in's ttl (10 minutes)
//
// The record <p>inc:{<id>} is the JSON encoding of bot.Incident.
//
// The timeline <p>inc:{<id>}:timeline is a stream, oldest entry first; each
// stream entry ID is the bot.TimelineEntry's ID. Its fields are:
//
//	kind         bot.EntryKind, always present
//	at           unix milliseconds (UTC), always present
//	author_id    bot.User.ID, absent when empty
//	author_name  bot.User.Name, absent when empty
//	text         absent when empty
//	ref          the platform message reference, absent when empty
//	refers_to    the reference an edit or deletion points at, absent when empty
//	target       the stream ID a correction, hide or unhide concerns, absent when empty
//	key          "1" when the entry is flagged for the postmortem, else absent
//	data         JSON object of string values, absent when empty
//
// Nothing in a timeline is rewritten: an edit or a deletion is a new entry
// whose refers_to names the original. One that arrived before its original
// stays before it in the stream; readers asking for TimelineQuery.InOrder
// see it after (bot.InOrder).
//
// Every XADD of the timeline is one script with its lines in the
// incident's indexes (notable.go): the refers-back index, the notable
// entries and the refs, all in the incident's slot. A postmortem draft
// reads those first (TimelineNotable) and its timeline once.
//
// <p>incidents:all holds every incident ID and <p>incidents:open the IDs of
// incidents whose status is open (bot.Status.Open); both are scored by the
// ID, so the highest score is the newest incident. <p>channel:<platform>:<channelID>
// holds the ID (decimal) of the incident whose channel it is. An index write
// that fails after its incident's transaction committed is logged, not
// returned: the next Update of that incident writes the indexes again, and
// List drops and repairs entries that disagree with their record.
//
// <p>incidents:by:<facet> holds the incidents of one facet (Facet: what
// the web dashboard filters by), <facet> being
// "<public|private>:<status>:<priority>:<source>"; every incident is in
// exactly one. <p>incidents:named:<platform>:<userID> holds the private
// incidents that name that person as a role holder or member. Both kinds
// have members zero-padded to 19 digits (so that Redis orders equal
// scores as numbers) scored by the creation time in unix microseconds.
// <p>incidents:facets names every facet that has had a set, so a query
// finds them without SCAN. Each of these keys is its own slot and is only
// used alone (in pipelines, which a cluster client splits per node). They
// are written after the incident's transaction and reconciled against a
// fresh read of the record like <p>incidents:open; Browse repairs an entry
// that disagrees with its record. <p>incidents:facets:built marks the
// index complete: Browse, finding it missing, first builds the index from
// <p>incidents:all (for incidents written before it existed).
//
// <p>seen:<key> holds "1" while an inbound delivery with that key counts as
// already handled. <p>user:<platform>:<userID> caches what a platform told
// about a person (fields "name", "locale" and "tz"), so adapters need not ask the
// platform for every message.
//
// <p>alert:<source>:<digest> maps an alert source's dedup key (digest: the
// first 16 bytes of its SHA-256, in hex, since sources put braces and
// anything else in their keys) to the incident opened for it: "pending"
// while one replica opens it, then the ID. Notifications arriving
// meanwhile wait in <p>alertq:<source>:<digest>. <p>inc:{<id>}:alerts
// holds the last status of each alert (by fingerprint) of an incident; it
// shares the incident's slot, so it is written in one transaction with the
// timeline entries of the alerts that changed.
//
// <p>search:<token> is the inverted index behind Search: incident IDs
// scored by the summed weight of the fields the token was said in (title
// 5, summary and description 3, note and update 2, channel message 1).
// Tokens are lower-cased words, and character bigrams (plus single kanji)
// of Japanese text; they hold no '{' or '}', so each such key is its own
// slot and is only ever used alone: Search reads the tokens' sets in one
// pipeline and combines them in Go, never with ZUNIONSTORE.
// <p>inc:{<id>}:terms lists the tokens incident <id> was indexed under, in
// the incident's slot, so that Unindex can take it out of every set.
//
// <p>inc:{<id>}:followups holds the follow-ups of incident <id>: field "<n>"
// (1, 2, ... per incident; follow-ups are never deleted, so the next
// number is HLEN+1 under WATCH) is the JSON encoding of bot.FollowUp. It
// shares the incident's slot, so a follow-up and the timeline entry that
// records its change are written in one MULTI/EXEC. <p>followups:open
// indexes the open follow-ups of every incident: member "<id>:<n>", scored
// by the start of the due day in unix seconds (2^53 when there is no due
// date, so those sort last). Like <p>incidents:open it lives in its own
// slot, is updated after the follow-up's transaction (re-reading the
// follow-up until they agree, so racing writers converge), and
// OpenFollowUps drops and repairs entries that disagree with their
// follow-up. <p>followups:incidents names every incident that has
// follow-ups (member the decimal ID, scored by it), for the board of every
// follow-up (AllFollowUps); it is its own slot, written after the
// follow-up's transaction (an idempotent ZADD, repeated by every later
// write of the incident's follow-ups). <p>followups:incidents:built marks
// it complete: AllFollowUps, finding it missing, first builds it from
// <p>incidents:all (for follow-ups added before it existed).
//
// <p>pending:{<id>} is the intent to declare incident <id>, written before
// its channel is created and deleted once the incident is recorded and
// furnished: field "data" is the JSON encoding of PendingDeclaration (who
// declared, where from and when, the declaration itself; a "name" field
// written by older versions is ignored), "owner" names the process declaring it (rewritten to
// "<process>/reconcile" by a replica that takes it over, under a
// compare-and-set), and "channel" is the JSON bot.Channel once the channel
// exists (set only while the hash exists, so an ended declaration never
// comes back). It shares the incident's slot. <p>pending indexes the
// pending declarations: member "<id>", scored by when the declaration
// began (unix milliseconds); it is its own slot, written after the hash and
// cleaned after it, and PendingDeclarations drops entries whose hash is
// gone. <p>alive:<owner> holds "1" while process <owner> runs: it renews
// it (Heartbeat) more often than its ttl, so a declaration whose owner's
// key expired was abandoned.
//
// <p>overflow:{<owner>}:<shard> holds, oldest first, the events a router
// (bot.Overflow) could not fit in worker <shard>'s queue, each the JSON of
// a bot.Event with its reply handle as its platform encoded it; the
// process <owner> sends its Heartbeat under that name. The lists of one
// owner share its slot; <p>overflow:{<owner>} names its shards and
// <p>overflows its owners, so that AdoptOverflows finds the lists of an
// owner whose heartbeat expired (under the lease overflow:<owner>) and
// empties them, oldest first.
//
// <p>signin:<digest> is a single-use sign-in link of the web interface and
// <p>session:<digest> a signed-in browser; <digest> is the hex SHA-256 of
// the random token the link or the session cookie carries, so the keys do
// not hold what it takes to sign in. ConsumeSignIn reads and deletes the
// link in one GETDEL, so a link signs in at most once. <p>oidc:<digest>
// is an OpenID Connect sign-in under way, named by the state sent to the
// identity provider; ConsumeOIDCLogin's GETDEL makes a callback count
// once.
package store
