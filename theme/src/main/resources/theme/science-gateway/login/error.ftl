<#import "template.ftl" as layout>
<#-- Keycloak's error page in the picker's look. The institution filter's refusal (HTTP 403) sets the form attribute
     institutionRefusal (Refusal.PAGE_ATTRIBUTE); it gets its own heading and a way to choose another institution. -->
<#assign refusal = (institutionRefusal!false) == true>
<@layout.registrationLayout displayMessage=false; section>
    <#if section = "header">
        <#if refusal>${msg("institutionRefusedTitle")}<#else>${kcSanitize(msg("errorTitle"))?no_esc}</#if>
    <#elseif section = "form">
        <div id="kc-error-message" class="sg-error<#if refusal> sg-refusal</#if>">
            <p class="instruction">${kcSanitize(message.summary)?no_esc}</p>
            <#if traceId??>
                <p class="instruction" id="traceId">${msg("traceIdSupportMessage", traceId)}</p>
            </#if>
            <#if refusal && url.loginRestartFlowUrl?? && client??>
                <p><a id="sg-choose-another" class="${properties.kcButtonPrimaryClass!}" href="${url.loginRestartFlowUrl}">${msg("institutionRefusedChooseAnother")}</a></p>
            </#if>
            <#if !skipLink?? && client?? && client.baseUrl?has_content>
                <p><a id="backToApplication" href="${client.baseUrl}">${msg("backToApplication")}</a></p>
            </#if>
        </div>
    </#if>
</@layout.registrationLayout>
