package bot

import (
	"context"
	"strconv"
)

// Tracker files follow-ups as issues in an outside issue tracker (Jira),
// so that the team's own backlog holds them. Create files one issue and
// returns where it is; the tracker's status comes back through its
// webhook as the hidden "tracked" command, not through this interface.
//
// Create returns an error that is a *TrackerError when the tracker
// refused the issue for good (a field it rejects, credentials it does not
// take): retrying would be refused again, and Reason is safe to show
// people (never a secret). Other errors mean the tracker could not be
// reached, even after the retries the implementation makes within ctx (rate
// limits, its own outages).
type Tracker interface {
	// Name is the tracker as people read it ("Jira").
	Name() string
	Create(ctx context.Context, issue Issue) (IssueRef, error)
}

// Issue is what Warroom files for one follow-up.
type Issue struct {
	// Summary is the issue's one line: the follow-up's text.
	Summary string
	// Paragraphs are the description, one plain-text paragraph each; the
	// tracker renders them in its own format (never as markup).
	Paragraphs []string
	// Link, when set, is the incident's web page, added to the
	// description as a link.
	Link string
	// Labels tag the issue ("warroom", "INC-42").
	Labels []string
}

// IssueRef is a filed issue.
type IssueRef struct {
	// Tracker is the tracker's Name.
	Tracker string `json:"tracker"`
	// Key is the issue's key as people read it, "ACME-123".
	Key string `json:"key"`
	// URL is the issue's page for people.
	URL string `json:"url,omitempty"`
}

// IsZero reports whether r names no issue.
func (r IssueRef) IsZero() bool { return r.Key == "" }

// TrackerError is an issue the tracker refused for good. Reason is safe
// to show people.
type TrackerError struct {
	Reason string
}

func (e *TrackerError) Error() string { return "issue refused: " + e.Reason }

// IssueOf is the issue Warroom files for follow-up f of inc; url is the
// incident's web page ("" when there is no public URL), due the due day
// as the deployment shows it ("" for none). A private
// incident's title stays inside Warroom: the description names the
// incident by its key only. The follow-up's text is sent either way: it
// is what the team wrote to be done, which is the issue itself.
func IssueOf(inc *Incident, f *FollowUp, url, due string) Issue {
	about := "Follow-up #" + strconv.Itoa(f.N) + " of incident " + inc.Key() + ": " + inc.Title
	if inc.Private {
		about = "Follow-up #" + strconv.Itoa(f.N) + " of private incident " + inc.Key() + "."
	}
	paras := []string{about, "Owner in Warroom: " + f.Owner.Display()}
	if due != "" {
		paras = append(paras, "Due: "+due)
	}
	return Issue{Summary: f.Text, Paragraphs: paras, Link: url, Labels: []string{"warroom", inc.Key()}}
}
