CREATE TABLE "owlbank_installation" (
	"key" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL
);
