package validate

import "github.com/stackgen/stackgen/internal/dotenv"

// envFile is a parsed .env (internal/dotenv owns the reading).
type envFile = dotenv.Env

func parseDotenv(b []byte) envFile { return dotenv.Parse(b) }
