export * from "./event";
export * from "./instance";
export * from "./probe";
export * from "./realtime";
export * from "./service";
