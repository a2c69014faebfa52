package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/whatsapp-saas/gateway/client"
)

// cmdCalls rejects a ringing call, and on sandbox sessions places,
// answers and ends test calls. Calls themselves are call events:
// wagw events --types call.
func cmdCalls(r *runner, args []string) error {
	fs := r.flags("calls")
	video := fs.Bool("video", false, "place: a video call")
	ring := fs.Int("ring", 0, "place: seconds the call rings before it is missed (default 30)")
	pos, err := r.parse(fs, args)
	if err != nil {
		return err
	}
	session, pos, err := sessionArg(pos)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return fmt.Errorf("give reject CALL_ID, or (sandbox) place PHONE, accept CALL_ID or end CALL_ID: %w", errUsage)
	}
	c := r.client()
	var call *client.Call
	switch pos[0] {
	case "reject":
		call, err = c.RejectCall(r.ctx, session, pos[1])
	case "place":
		call, err = c.PlaceSandboxCall(r.ctx, session, pos[1], *video, *ring)
	case "accept":
		call, err = c.AcceptSandboxCall(r.ctx, session, pos[1])
	case "end":
		call, err = c.EndSandboxCall(r.ctx, session, pos[1])
	default:
		return fmt.Errorf("unknown calls command %q: %w", pos[0], errUsage)
	}
	if err != nil {
		return err
	}
	return r.out(call, func(w *tabwriter.Writer) {
		kind := "voice"
		if call.Video {
			kind = "video"
		}
		fmt.Fprintf(w, "Call %s (%s, caller %s): %s.\n", call.CallID, kind, call.Caller, call.Action)
		if pos[0] == "place" {
			fmt.Fprintf(w, "Follow it with: wagw events --session %s --types call\n", session)
		}
	})
}
