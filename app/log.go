package app

import (
	"io"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// NewLogger logs JSON lines when structured (serve) and readable lines
// otherwise (console, export), at level ("info" when unknown). format,
// WARROOM_LOG_FORMAT, overrides structured: "json" or "text"; "" keeps it.
func NewLogger(w io.Writer, level, format string, structured bool) *zap.Logger {
	switch format {
	case "json":
		structured = true
	case "text":
		structured = false
	}
	lvl, err := zapcore.ParseLevel(level)
	if err != nil {
		lvl = zapcore.InfoLevel
	}
	var enc zapcore.Encoder
	if structured {
		ec := zap.NewProductionEncoderConfig()
		ec.TimeKey, ec.EncodeTime = "ts", zapcore.ISO8601TimeEncoder
		enc = zapcore.NewJSONEncoder(ec)
	} else {
		ec := zap.NewDevelopmentEncoderConfig()
		ec.EncodeTime = zapcore.TimeEncoderOfLayout("15:04:05")
		enc = zapcore.NewConsoleEncoder(ec)
	}
	// Lock: w is any writer (a test's buffer), and go-redis logs from
	// its own goroutines while the process logs from others.
	return zap.New(zapcore.NewCore(enc, zapcore.Lock(zapcore.AddSync(w)), lvl))
}
