import { transitionAction } from "./transition.js";

export default transitionAction("unfreeze");
