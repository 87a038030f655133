package bot

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Error codes users may see. Each code names a catalog key "err.<code>"
// whose text is what the user reads; Args fill its placeholders.
const (
	CodeUnknownCommand = "unknown_command"
	CodeUsage          = "usage"
	CodeBadPriority    = "bad_priority"
	CodeBadStatus      = "bad_status"
	CodeBadRole        = "bad_role"
	CodeBadTransition  = "bad_transition"
	CodeSameStatus     = "same_status"
	CodeNotFound       = "not_found"
	CodeNoIncident     = "no_incident"
	CodeForbidden      = "forbidden"
	CodeUnavailable    = "unavailable"
	CodeBusy           = "busy"
	CodeInternal       = "internal"
	CodeAlreadyAcked   = "already_acked"
	CodeSamePriority   = "same_priority"
	CodeBadNumber      = "bad_number"
	CodeTooLong        = "too_long"
	CodeChannelFailed  = "channel_failed"
	CodeNeedsTitle     = "needs_title"
	CodeUnknownUser    = "unknown_user"
	CodeAlreadyHolds   = "already_holds"
	// CodeNeedsPostmortem refuses to close a P1 or P2 incident that has no
	// postmortem draft yet (close --force overrides).
	CodeNeedsPostmortem = "needs_postmortem"
	// CodeNoSuchCommand is CodeUnknownCommand with nothing close to suggest.
	CodeNoSuchCommand = "no_such_command"
	// CodeNoFollowUp names a follow-up number the incident does not have.
	CodeNoFollowUp = "no_followup"
	// CodeFollowUpSame refuses a follow-up change that would change nothing
	// (done twice, reopening an open one).
	CodeFollowUpSame = "followup_same"
	// CodeFollowUpNotDone refuses to verify a follow-up that is not done.
	CodeFollowUpNotDone = "followup_not_done"
	// CodeBadDate refuses a date that is not YYYY-MM-DD.
	CodeBadDate = "bad_date"
	// CodeAlreadyMembers refuses an add that would add nobody.
	CodeAlreadyMembers = "already_members"
	// CodeNeedsReview refuses to close a P1 or P2 incident whose
	// postmortem draft nobody marked reviewed.
	CodeNeedsReview = "needs_review"
	// CodeNoDraft refuses `postmortem reviewed` before any draft exists.
	CodeNoDraft = "no_draft"
	// CodeAlreadyReviewed refuses to mark a reviewed postmortem again.
	CodeAlreadyReviewed = "already_reviewed"
	// CodeVerifyBySelf refuses to verify a follow-up the same person
	// marked done (followups.verify_by_other).
	CodeVerifyBySelf = "verify_by_self"
	// CodeNoSuchUser names a person the platform's directory does not
	// know.
	CodeNoSuchUser = "no_such_user"
	// CodeAmbiguousUser names a person by a name several people have.
	CodeAmbiguousUser = "ambiguous_user"
	// CodeEmptyOrigin refuses to declare from a message that has no text.
	CodeEmptyOrigin = "empty_origin"

	// Timeline curation (handlers/curate.go).

	// CodeBadTime refuses an --at that is neither HH:MM nor a date and a
	// time.
	CodeBadTime = "bad_time"
	// CodeFutureTime refuses an --at in the future.
	CodeFutureTime = "future_time"
	// CodeNoEntry names an entry the incident's timeline does not have
	// (an unknown ref, or another incident's entry).
	CodeNoEntry = "no_entry"
	// CodeAlreadyHidden refuses to hide a hidden entry.
	CodeAlreadyHidden = "already_hidden"
	// CodeNotHidden refuses to unhide an entry that is not hidden.
	CodeNotHidden = "not_hidden"
	// CodeCurationEntry refuses to correct or hide a correction or a hide
	// itself: its target is what to change.
	CodeCurationEntry = "curation_entry"
	// CodeNoStatusPage refuses components and public updates where no
	// status page is configured.
	CodeNoStatusPage = "no_status_page"
	// CodeUnknownComponent names a component the status page does not
	// have, listing those it has.
	CodeUnknownComponent = "unknown_component"
	// CodeBadComponentState names a state no override may give.
	CodeBadComponentState = "bad_component_state"
	// CodeSameComponents refuses a components change that changes nothing.
	CodeSameComponents = "same_components"
	// CodeNotCustomerFacing refuses a public update on an incident not
	// marked with components.
	CodeNotCustomerFacing = "not_customer_facing"
	// CodePrivateStatusPage refuses to put a private incident on the
	// public status page.
	CodePrivateStatusPage = "private_status_page"

	// The postmortem as a document (handlers/pmdoc.go).

	// CodeNotReviewed refuses to publish a postmortem nobody marked
	// reviewed.
	CodeNotReviewed = "not_reviewed"
	// CodeAlreadyPublished refuses to publish a postmortem twice.
	CodeAlreadyPublished = "already_published"
	// CodeEmptyPostmortem refuses to save an empty postmortem.
	CodeEmptyPostmortem = "empty_postmortem"
	// CodeUnchangedPostmortem refuses a save that changes nothing.
	CodeUnchangedPostmortem = "unchanged_postmortem"
	// CodeBadTag refuses a tag that is too long or has no letter.
	CodeBadTag = "bad_tag"
)

// Error is an error a user may be shown. Its text comes from the message
// catalog (key "err."+Code) in the user's language, never from Err.
type Error struct {
	Code string
	// Args are placeholder name/value pairs for the catalog text.
	Args []string
	// Err is the underlying cause, for logs only.
	Err error
	// Statuses names the Args whose values are statuses (several joined by
	// ", "): Text shows them by their labels in the reader's language, so
	// that no English status word sits inside a Japanese sentence.
	Statuses []string
}

// Text is what the user reads: the catalog's "err."+Code in lang, filled
// from Args, with the statuses of Statuses by their labels.
func (e *Error) Text(lang Lang) string {
	args := slices.Clone(e.Args)
	for i := 0; i+1 < len(args); i += 2 {
		if !slices.Contains(e.Statuses, args[i]) {
			continue
		}
		var labels []string
		for _, st := range strings.Split(args[i+1], ", ") {
			if key := "status." + st; Has(key) {
				st = T(lang, key)
			}
			labels = append(labels, st)
		}
		args[i+1] = strings.Join(labels, T(lang, "list.sep"))
	}
	return T(lang, "err."+e.Code, args...)
}

// Errorf returns a coded error with placeholder name/value pairs.
func Errorf(code string, args ...string) *Error {
	return &Error{Code: code, Args: args}
}

// Wrap returns a coded error that keeps err as its cause.
func Wrap(code string, err error, args ...string) *Error {
	return &Error{Code: code, Args: args, Err: err}
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %v", e.Code, e.Err)
	}
	return e.Code
}

func (e *Error) Unwrap() error { return e.Err }

// CodeOf returns the code of the first *Error in err's chain, or
// CodeInternal when there is none.
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrUnsupported is returned by a Platform that cannot do what was asked;
// handlers degrade gracefully when they see it.
var ErrUnsupported = errors.New("not supported by this platform")

// ErrPaced is returned (wrapped) by a platform's CreateChannel asked not
// to wait (ChannelSpec.NoWait) when the platform's rate limit would have
// made it wait.
var ErrPaced = errors.New("the platform's rate limit has no room now")

// ErrNotFound is returned by lookups that found nothing.
var ErrNotFound = errors.New("not found")

// ErrUnavailable wraps failures of the backing store that may pass.
var ErrUnavailable = errors.New("storage unavailable")
