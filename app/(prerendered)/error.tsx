"use client";
// The same error screen as every other OwlBank page: this group sits outside app/(owlbank)/.
export { default } from "@/app/(owlbank)/error";
