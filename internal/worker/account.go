package worker

import (
	"io"
	"net/http"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// handleAccount runs one account operation (gateway.AccountOps) on the
// engine. The session must be connected: WhatsApp answers account queries
// only on a logged-in connection, and the caller is told the state it is in.
func (w *Worker) handleAccount(rw http.ResponseWriter, r *http.Request) error {
	op, ok := gateway.AccountOps[r.PathValue("op")]
	if !ok {
		return gateway.Errorf(gateway.CodeNotFound, "No account operation %q.", r.PathValue("op"))
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return gateway.WrapError(err, gateway.CodeInvalid, "The request body could not be read.")
	}
	if len(body) > maxBody {
		return gateway.Errorf(gateway.CodeTooLarge, "The request body is too large.")
	}
	ae, err := connectedAs[gateway.AccountEngine](w, "This session's engine has no account operations.")
	if err != nil {
		return err
	}
	res, err := op.Serve(r.Context(), ae, body)
	return answerOK(rw, res, err)
}
